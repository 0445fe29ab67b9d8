import { createRequire } from 'node:module';
import type { Tool } from '@modelcontextprotocol/server';

/**
 * A server's tool policy: glob patterns over MCP tool names (picomatch syntax, e.g. `delete_*`).
 * Tool names are not paths: `*` also matches `/` and a leading `.`, and matching ignores case, so
 * `*delete*` catches `admin/delete_all`, `.delete_hidden` and `DELETE_USER`.
 */
export interface ToolPolicy {
  /** Only tools matching one of these are kept. @default every tool */
  allowTools?: string[] | undefined;
  /** Tools matching one of these are removed, even when allowed. @default none */
  denyTools?: string[] | undefined;
}

/**
 * Applies a server's policy to its tool list. Removed tools never reach the catalog, so they are
 * absent from bindings, search, resources and direct tools, and a call to one is an unknown tool.
 * @returns the kept tools and the names of the removed ones.
 */
export function applyToolPolicy(tools: Tool[], policy: ToolPolicy): { tools: Tool[]; denied: string[] } {
  if (!policy.allowTools && !policy.denyTools?.length) return { tools, denied: [] };
  const allowed = policy.allowTools ? toolMatcher(policy.allowTools) : () => true;
  const denied = policy.denyTools?.length ? toolMatcher(policy.denyTools) : () => false;
  const kept: Tool[] = [];
  const removed: string[] = [];
  for (const tool of tools) {
    if (allowed(tool.name) && !denied(tool.name)) kept.push(tool);
    else removed.push(tool.name);
  }
  return { tools: kept, denied: removed };
}

/** Stands in for "/" on both sides, so that picomatch treats it as an ordinary character. */
const SLASH = '\uE000';

/** picomatch, loaded when a config first has patterns (start-up of a config without any). */
let picomatch: typeof import('picomatch') | undefined;

/** A matcher of tool names by glob patterns, without path semantics (see {@link ToolPolicy}). */
export function toolMatcher(patterns: string[]): (name: string) => boolean {
  picomatch ??= createRequire(import.meta.url)('picomatch') as typeof import('picomatch');
  const match = picomatch(
    patterns.map((p) => p.replaceAll('/', SLASH)),
    { dot: true, nocase: true, windows: false },
  );
  return (name) => match(name.replaceAll('/', SLASH));
}
