import type { Tool } from '@modelcontextprotocol/server';
import { deprecationNote } from '../catalog/deprecated.js';
import type { ObservedOutput } from '../catalog/observed.js';
import type { BindingSpec } from './binding.js';

export type { ObservedOutput } from '../catalog/observed.js';

import { compactType } from './compact-types.js';
import { toTypeName } from './names.js';

/**
 * One tool as a model reads it in `search_tools` detail "full" and in the bindings' resources: its
 * description once, then `declare function <identifier>(input: {…}): Promise<…>;` with each
 * property's description inline on the property (see {@link compactType}). No import line (an
 * answer gives one per server), no body, no per-tool boilerplate.
 *
 * The return type is the tool's `outputSchema` when it declares one; else the type observed in
 * earlier calls, marked "observed in N calls"; else `unknown`.
 */
export function renderCompactBinding(spec: BindingSpec, observed?: ObservedOutput): string {
  const { tool, identifier } = spec;
  const base = toTypeName(identifier);
  const input = compactType(tool.inputSchema, base, 'Input');
  const declarations = [...input.declarations];
  let output = 'unknown';
  let note = '';
  const outputSource = tool.outputSchema ?? (observed && observed.calls > 0 ? observed.schema : undefined);
  if (outputSource !== undefined) {
    const rendered = compactType(outputSource, base, 'Output');
    declarations.push(...rendered.declarations.filter((d) => !declarations.includes(d)));
    output = rendered.type;
    if (!tool.outputSchema && observed) {
      note = `Result type observed in ${observed.calls} call${observed.calls === 1 ? '' : 's'}.`;
    }
  }
  const optional = !(Array.isArray(tool.inputSchema.required) && tool.inputSchema.required.length);
  return [
    ...declarations,
    `${describe(tool, note)}declare function ${identifier}(input${optional ? '?' : ''}: ${input.type}): Promise<${output}>;`,
  ].join('\n');
}

/** The tool's doc comment: title (when it adds something), description, deprecation, a note. */
function describe(tool: Tool, note: string): string {
  const lines: string[] = [];
  const title = tool.title ?? tool.annotations?.title;
  const description = (tool.description ?? '').trim();
  // A title that only spells out the name (server-filesystem's "Read Text File") adds nothing.
  const letters = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  if (
    title &&
    !letters(title).startsWith(letters(tool.name)) &&
    !letters(description).includes(letters(title))
  )
    lines.push(`${title}.`);
  if (description) lines.push(...tidy(description));
  const rootNote = tool.inputSchema.description;
  if (typeof rootNote === 'string' && rootNote.trim() && !description.includes(rootNote.trim()))
    lines.push(...tidy(rootNote));
  const deprecated = deprecationNote(tool);
  if (deprecated !== undefined && !/deprecated/i.test(description)) lines.push(`@deprecated ${deprecated}`);
  if (note) lines.push(note);
  if (!lines.length) return '';
  if (lines.length === 1) return `/** ${lines[0]} */\n`;
  return `/**\n${lines.join('\n')}\n*/\n`;
}

/** Description lines: trimmed, blank runs dropped, safe in a block comment. */
function tidy(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim().replace(/\*\//g, '*\\/'))
    .filter(Boolean);
}

/**
 * The `search_tools` text for full-detail hits: one import line per module, then each hit's
 * compact binding. Hits without one (skills) are listed by name and summary after.
 */
export function renderCompactAnswer(
  hits: { name: string; summary?: string | undefined; signature?: string | undefined; importFrom: string }[],
): string {
  const imports = new Map<string, string[]>();
  for (const hit of hits) {
    if (!hit.signature) continue;
    const match = /^import \{ (.+) \} from '(.+)';$/.exec(hit.importFrom);
    if (!match) continue;
    const names = imports.get(match[2] as string) ?? [];
    names.push(match[1] as string);
    imports.set(match[2] as string, names);
  }
  const lines = [...imports].map(
    ([from, names]) => `import { ${[...new Set(names)].join(', ')} } from '${from}';`,
  );
  const parts = [lines.join('\n'), ...hits.filter((h) => h.signature).map((h) => h.signature as string)];
  const others = hits.filter((h) => !h.signature);
  if (others.length)
    parts.push(others.map((h) => (h.summary ? `${h.name} — ${h.summary}` : h.name)).join('\n'));
  return parts.join('\n\n');
}
