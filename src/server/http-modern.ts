import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { Gateway } from '../gateway/gateway.js';
import type { Exposure } from '../session/exposure.js';
import { clientExposure } from './exposure-choice.js';
import { createMcpServer } from './mcp-server.js';
import type { ModernState } from './modern.js';

/**
 * The gateway's MCP endpoint for 2026-07-28 requests: the SDK's `createMcpHandler` (modern only:
 * 2025 requests are routed to the sessions before it), one MCP server per request from
 * `createMcpServer`, state in contexts and paused scripts in `PausedRuns` (see `ModernState`). The
 * caller is the `authInfo.token` the HTTP layer passes with each request (its credential's hash).
 * A change of the catalog (an upstream's tools) is published to the clients'
 * `subscriptions/listen` streams on this replica.
 * @param options.maxBodyBytes largest request body the handler reads, in bytes.
 * @param options.expose what a request that does not choose gets (`serve --expose`).
 * @returns the handler (`handler.fetch` serves a web `Request`) and `close`, which stops the
 *   notifications and closes requests in flight.
 */
export function modernHandler(
  gateway: Gateway,
  state: ModernState,
  options: { maxBodyBytes: number; expose?: Exposure | undefined },
): { handler: McpHttpHandler; close(): Promise<void> } {
  const handler = createMcpHandler(
    ({ authInfo, requestInfo }) =>
      createMcpServer(gateway, {
        modern: { ...state, caller: authInfo?.token ?? '' },
        // Each request says for itself (`?codemode=false`, `toolscript-expose`).
        expose: (requestInfo && clientExposure(requestInfo)) ?? options.expose,
      }),
    { legacy: 'reject', maxRequestBodySize: options.maxBodyBytes },
  );
  const onChanged = () => {
    handler.notify.toolsChanged();
    handler.notify.resourcesChanged();
  };
  gateway.catalog.on('changed', onChanged);
  const stopForwarding = gateway.offerings.onListChanged((kind) =>
    kind === 'resources' ? handler.notify.resourcesChanged() : handler.notify.promptsChanged(),
  );
  return {
    handler,
    close: async () => {
      gateway.catalog.off('changed', onChanged);
      stopForwarding();
      await handler.close();
    },
  };
}
