import type { ToolscriptConfig } from './index.js';

/** How a client reaches a server's tools: scripts ("code"), direct calls ("tools"), or both. */
export type Exposure = 'code' | 'tools' | 'both';

/** The exposures there are (`serve --expose`, the `toolscript-expose` header, config `expose`). */
export const EXPOSURES: readonly Exposure[] = ['code', 'tools', 'both'];

/**
 * How `server` is reached: the client's choice for its connection when it made one, else the
 * server's `expose`, else the top-level one (default "code").
 */
export function exposureOf(config: ToolscriptConfig, server: string, client?: Exposure): Exposure {
  return client ?? config.mcpServers[server]?.expose ?? config.expose;
}
