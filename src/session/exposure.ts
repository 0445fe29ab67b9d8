/**
 * Which servers a client reaches through scripts and which it calls directly (config `expose`,
 * per server, and the client's own choice for its connection), and the names the directly called
 * tools are listed by.
 */
import type { Tool } from '@modelcontextprotocol/server';
import type { ReadonlyCatalog } from '../catalog/catalog.js';
import { type Exposure, exposureOf } from '../config/exposure.js';
import type { ToolscriptConfig } from '../config/index.js';

export { EXPOSURES, type Exposure, exposureOf } from '../config/exposure.js';

/**
 * Longest tool name MCP allows (the 2025-11-25 specification's tool names: 1 to 128 characters
 * of `A-Z a-z 0-9 _ - .`).
 */
export const MAX_TOOL_NAME = 128;

/** True when the client gets code mode (`search_tools`, `execute_code`…): some server is reached by scripts. */
export function offersCodeMode(
  config: ToolscriptConfig,
  catalog: ReadonlyCatalog,
  client?: Exposure,
): boolean {
  if (client) return client !== 'tools';
  const servers = catalog.listServers().map((s) => s.name);
  return servers.length === 0 || servers.some((server) => exposureOf(config, server) !== 'tools');
}

/** One tool a client calls directly, by the name the gateway lists it under. */
export interface DirectTool {
  /** `<server>.<tool>`, within MCP's name rules. */
  name: string;
  server: string;
  tool: Tool;
}

/**
 * The tools listed for direct calls, servers and tools in catalog order: `<server>.<tool>`; a
 * character MCP does not allow in a name becomes `_`, a name is cut to {@link MAX_TOOL_NAME}, and
 * a name taken already gets `_2`, `_3`…, so names are the same on every listing.
 */
export function directTools(
  config: ToolscriptConfig,
  catalog: ReadonlyCatalog,
  client?: Exposure,
): DirectTool[] {
  const taken = new Set<string>();
  const listed: DirectTool[] = [];
  for (const server of catalog.listServers()) {
    if (exposureOf(config, server.name, client) === 'code') continue;
    for (const tool of server.tools) {
      const base = `${server.name}.${tool.name}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_TOOL_NAME);
      let name = base;
      for (let n = 2; taken.has(name); n++) name = `${base.slice(0, MAX_TOOL_NAME - `_${n}`.length)}_${n}`;
      taken.add(name);
      listed.push({ name, server: server.name, tool });
    }
  }
  return listed;
}
