import type { Tool } from '@modelcontextprotocol/server';
import { deprecationNote } from '../catalog/deprecated.js';
import { assignBindingNames, serverFolder, splitWords } from '../codegen/names.js';

/** What a search hit is: an upstream tool, or a saved skill. */
export type SearchKind = 'tool' | 'skill';

/** Behaviour hints from MCP tool annotations; `undefined` when the tool does not say. */
export interface ToolHints {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

/** One searchable entry. Tools and skills share this shape so one index ranks both. */
export interface SearchDocument {
  /** Qualified name: `server.binding` for a tool, `skills.<name>` for a skill. */
  id: string;
  kind: SearchKind;
  /** Server key (`skills` for skills). */
  server: string;
  /** One line about the server (its description or `serverInfo`). */
  serverDescription: string;
  /** Folder under `servers/` (or `skills/`) that the import path uses. */
  folder: string;
  /** Original MCP tool name. */
  name: string;
  /** Binding identifier: the exported function's name. */
  identifier: string;
  title: string;
  description: string;
  /** Parameter names (split into words) and their descriptions. */
  parameters: string;
  hints: ToolHints;
  /** Schema hash of the tool, to find the cached binding. */
  schemaHash: string;
  /** What the tool says about its deprecation, when it is deprecated (see `deprecationNote`). */
  deprecated?: string;
}

/** Search documents for one server's tools, with binding identifiers assigned as codegen does. */
export function toolDocuments(
  server: string,
  serverDescription: string,
  tools: Tool[],
  hashes: Map<string, string>,
): SearchDocument[] {
  const identifiers = assignBindingNames(tools.map((t) => t.name));
  const folder = serverFolder(server);
  return tools.map((tool) => {
    const identifier = identifiers.get(tool.name) ?? tool.name;
    const deprecated = deprecationNote(tool);
    const properties = (tool.inputSchema.properties ?? {}) as Record<string, { description?: unknown }>;
    const annotations = tool.annotations ?? {};
    const hints: ToolHints = {};
    if (typeof annotations.readOnlyHint === 'boolean') hints.readOnly = annotations.readOnlyHint;
    if (typeof annotations.destructiveHint === 'boolean') hints.destructive = annotations.destructiveHint;
    if (typeof annotations.idempotentHint === 'boolean') hints.idempotent = annotations.idempotentHint;
    if (typeof annotations.openWorldHint === 'boolean') hints.openWorld = annotations.openWorldHint;
    return {
      id: `${server}.${identifier}`,
      kind: 'tool',
      server,
      serverDescription,
      folder,
      name: tool.name,
      identifier,
      title: tool.title ?? annotations.title ?? '',
      description: tool.description ?? '',
      parameters: Object.entries(properties)
        .map(
          ([name, p]) =>
            `${splitWords(name).join(' ')} ${typeof p?.description === 'string' ? p.description : ''}`,
        )
        .join(' '),
      hints,
      schemaHash: hashes.get(tool.name) ?? '',
      ...(deprecated !== undefined ? { deprecated } : {}),
    };
  });
}

/** Words describing the hints, indexed so that "read only" or "destructive" in a query match. */
export function hintWords(hints: ToolHints): string {
  const words: string[] = [];
  if (hints.readOnly) words.push('read-only');
  if (hints.destructive) words.push('destructive');
  if (hints.idempotent) words.push('idempotent');
  if (hints.openWorld) words.push('open-world external');
  return words.join(' ');
}
