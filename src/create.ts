import type { ToolscriptConfig } from './config.js';
import { Gateway } from './gateway.js';
import { QuickJSSandbox } from './sandbox/quickjs/index.js';
import type { Sandbox } from './sandbox.js';
import type { InProcessServer } from './upstream/connection.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Sandbox to run scripts in. @default a QuickJSSandbox */
  sandbox?: Sandbox;
  /**
   * Servers reached through a transport you create (e.g. an in-process MCP server over the SDK's
   * `InMemoryTransport`), by server name, in addition to the config's `mcpServers`.
   */
  servers?: Record<string, InProcessServer>;
  /**
   * When upstream servers are started: `"all"` at {@link createGateway}, or `"on-demand"`: only
   * the servers a script imports, before it runs (a script that imports none starts none), and all
   * of them before the first search, selection or file listing. `exec` uses `"on-demand"`.
   * @default "all"
   */
  connect?: 'all' | 'on-demand';
  /**
   * Record Prometheus metrics of executions (see {@link Gateway.metrics}). One-shot commands
   * (`exec`) turn it off, so prom-client is never loaded. @default true
   */
  metrics?: boolean;
}

/**
 * Creates a gateway, connects to all configured servers in parallel and lists their tools.
 * Servers that fail are reported by {@link Gateway.listServers}; the others work.
 *
 * The library surface in four calls: `search(query)` (ranked tools with detail levels),
 * `execute(code)` (one script in the sandbox; never throws for a failing script — see
 * `ExecutionResult.error.code`), `listServers()` and `close()`. Adapters for agent frameworks:
 * `toolscript/ai` (Vercel AI SDK) and `toolscript/anthropic` (Anthropic SDK).
 * @param config a validated config (see `loadConfig`/`parseConfig`, which throw `ConfigError`).
 * @param options another sandbox, in-process servers (see {@link GatewayOptions}).
 * @throws only if the sandbox cannot start (the QuickJS WebAssembly module fails to load); never
 *   for an unavailable upstream server.
 */
export async function createGateway(
  config: ToolscriptConfig,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const sandbox =
    options.sandbox ??
    (config.sandbox.backend === 'deno'
      ? await (await import('./sandbox/deno/index.js')).DenoSandbox.create()
      : config.sandbox.threads === 0
        ? await QuickJSSandbox.create()
        : await (await import('./sandbox/quickjs/threads.js')).ThreadedQuickJSSandbox.create(
            config.sandbox.threads,
          ));
  const gateway = new Gateway(config, sandbox, { ...options, ownsSandbox: !options.sandbox });
  await gateway.start();
  return gateway;
}
