import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import picomatch from 'picomatch';

/** A server's tool policy: glob patterns over MCP tool names (picomatch syntax, e.g. `delete_*`). */
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
  const allowed = policy.allowTools ? picomatch(policy.allowTools) : () => true;
  const denied = policy.denyTools?.length ? picomatch(policy.denyTools) : () => false;
  const kept: Tool[] = [];
  const removed: string[] = [];
  for (const tool of tools) {
    if (allowed(tool.name) && !denied(tool.name)) kept.push(tool);
    else removed.push(tool.name);
  }
  return { tools: kept, denied: removed };
}
