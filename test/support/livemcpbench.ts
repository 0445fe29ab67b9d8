import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Tool } from '@modelcontextprotocol/server';
import { Catalog } from '../../src/catalog/catalog.js';

/**
 * Folder of the LiveMCPBench data vendored in this repository (Apache-2.0, source and licence in
 * test/data/livemcpbench/); override with TOOLSCRIPT_LIVEMCPBENCH.
 */
export const LIVEMCPBENCH_DIR =
  process.env.TOOLSCRIPT_LIVEMCPBENCH ?? resolve(import.meta.dirname, '../data/livemcpbench');

interface BenchServer {
  name: string;
  description?: string;
  tools: Record<string, { tools: Tool[] }>;
}

/** The 527 real tools of `tools.json` as a static catalog (no server is started). */
export function loadLiveMcpBenchCatalog(): Catalog {
  const entries = JSON.parse(readFileSync(resolve(LIVEMCPBENCH_DIR, 'tools.json'), 'utf8')) as BenchServer[];
  const servers: Record<string, { description?: string; tools: Tool[] }> = {};
  for (const entry of entries) {
    for (const [server, listing] of Object.entries(entry.tools)) {
      const existing = servers[server];
      if (existing) existing.tools.push(...listing.tools);
      else
        servers[server] = {
          ...(entry.description ? { description: entry.description } : {}),
          tools: [...listing.tools],
        };
    }
  }
  return Catalog.fromTools(servers);
}
