import type { Catalog } from '../catalog/catalog.js';
import type { Sandbox } from '../sandbox/contract.js';
import type { SessionStore } from '../store/store.js';
import type { InProcessServer } from '../upstream/connection.js';

/** Options of `createGateway` (and of the `Gateway` it makes). */
export interface GatewayOptions {
  /** Sandbox to run scripts in. @default a QuickJSSandbox */
  sandbox?: Sandbox;
  /**
   * Servers reached through a transport you create (e.g. an in-process MCP server over the SDK's
   * `InMemoryTransport`), by server name, in addition to the config's `mcpServers`.
   */
  servers?: Record<string, InProcessServer>;
  /**
   * When upstream servers are started: `"all"` at `createGateway`, or `"on-demand"`: only
   * the servers a script imports, before it runs (a script that imports none starts none), and all
   * of them before the first search, selection or file listing. `exec` uses `"on-demand"`.
   * @default "all"
   */
  connect?: 'all' | 'on-demand';
  /**
   * Record Prometheus metrics of executions (see `Gateway.metrics`). One-shot commands
   * (`exec`) turn it off, so prom-client is never loaded. @default true
   */
  metrics?: boolean;
  /**
   * Where sessions live (see `SessionStore`). @default a `RedisStore` when the config has `store`
   * (or `TOOLSCRIPT_STORE` is set), else none: sessions live in the process.
   */
  store?: SessionStore;
}

/** What `createGateway` passes a `Gateway` beside the user's {@link GatewayOptions}. */
export type InternalGatewayOptions = Omit<GatewayOptions, 'sandbox'> & {
  /** The gateway made its sandbox itself, and so closes it. */
  ownsSandbox?: boolean;
  /** The gateway connected to its store itself, and so closes it. */
  ownsStore?: boolean;
  /** Key of PII vaults in the store (32 bytes, from `TOOLSCRIPT_PII_KEY`). */
  piiKey?: Buffer;
  /** Key of the `requestState` of paused approvals (32 bytes, from `TOOLSCRIPT_STATE_KEY`). */
  stateKey?: Buffer;
  /** Flushes the OpenTelemetry SDK (`telemetry.enabled`) when the gateway closes. */
  flushTelemetry?: () => Promise<void>;
  /** Tools known before any server is connected (e.g. `Catalog.fromTools`, a saved catalog). */
  catalog?: Catalog;
};
