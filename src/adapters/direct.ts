import type { Tool } from '@modelcontextprotocol/server';
import type { ReadonlyCatalog } from '../catalog/catalog.js';

/** Longest tool name every major provider accepts (Anthropic: `^[a-zA-Z0-9_-]{1,64}$`). */
export const MAX_TOOL_NAME = 64;

/**
 * Names for direct tool calling: `<server>__<tool>`, characters outside `[A-Za-z0-9_-]` replaced
 * by `_`, cut to {@link MAX_TOOL_NAME}; a collision gets `_2`, `_3`… in catalog order
 * (servers by name, tools by name), so names are deterministic.
 */
export function directToolNames(catalog: ReadonlyCatalog): { name: string; server: string; tool: Tool }[] {
  const taken = new Set<string>();
  const named: { name: string; server: string; tool: Tool }[] = [];
  for (const server of catalog.listServers()) {
    for (const tool of server.tools) {
      const base = `${server.name}__${tool.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_TOOL_NAME);
      let name = base;
      for (let n = 2; taken.has(name); n++) name = `${base.slice(0, MAX_TOOL_NAME - `_${n}`.length)}_${n}`;
      taken.add(name);
      named.push({ name, server: server.name, tool });
    }
  }
  return named;
}

export { resultText } from '../bridge/unwrap.js';
