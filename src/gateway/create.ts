import type { ToolscriptConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { Sandbox } from '../sandbox/contract.js';
import { QuickJSSandbox } from '../sandbox/quickjs/index.js';
import { isInstalled, MissingPackageError } from '../util/peers.js';
import { Gateway } from './gateway.js';
import type { GatewayOptions } from './options.js';
import { connectStore, storeUrlOf } from './store.js';

export type { GatewayOptions } from './options.js';

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
 * @throws {ConfigError} when a session store is configured but cannot be reached, its URL (from
 *   `TOOLSCRIPT_STORE`) is not a Redis URL, PII is on without a valid `TOOLSCRIPT_PII_KEY`, or
 *   `TOOLSCRIPT_STATE_KEY` is malformed (or missing with a store and `requireApproval`).
 * @throws {MissingPackageError} when a configured feature needs an optional package that is not
 *   installed (typescript for `sandbox.typecheck`, libphonenumber-js for PII, @redis/client,
 *   @opentelemetry/sdk-node for `telemetry.enabled`).
 * @throws when the sandbox cannot start (the QuickJS WebAssembly module fails to load); never for
 *   an unavailable upstream server.
 */
export async function createGateway(
  config: ToolscriptConfig,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const storeUrl = storeUrlOf(config);
  // Checked before anything starts, so a missing key or package leaves nothing running.
  requireFeaturePackages(config);
  const piiKey = storeUrl || options.store ? sessionPiiKey(config) : undefined;
  const stateKey = requestStateKey(config, Boolean(storeUrl || options.store));
  const sandbox =
    options.sandbox ??
    (config.sandbox.backend === 'deno'
      ? await (await import('../sandbox/deno/index.js')).DenoSandbox.create()
      : config.sandbox.threads === 0
        ? await QuickJSSandbox.create()
        : await (await import('../sandbox/quickjs/threads.js')).ThreadedQuickJSSandbox.create(
            config.sandbox.threads,
          ));
  let store = options.store;
  if (!store && storeUrl) {
    try {
      store = await connectStore(storeUrl, config);
    } catch (error) {
      if (!options.sandbox) await (sandbox as Sandbox).close?.();
      throw error;
    }
  }
  // Before the servers start, so their first calls are traced; flushed by close().
  const flushTelemetry = config.telemetry.enabled
    ? await (await import('../telemetry/sdk.js')).startTelemetry()
    : undefined;
  const gateway = new Gateway(config, sandbox, {
    ...options,
    ownsSandbox: !options.sandbox,
    ...(store ? { store, ownsStore: !options.store } : {}),
    ...(piiKey ? { piiKey } : {}),
    ...(stateKey ? { stateKey } : {}),
    ...(flushTelemetry ? { flushTelemetry } : {}),
  });
  await gateway.start();
  return gateway;
}

/**
 * The optional peer packages the config's features need (see `OPTIONAL_PEERS`).
 * @throws {MissingPackageError} for `sandbox.typecheck` other than "off" without typescript,
 *   `pii.enabled` with the phone detector on without libphonenumber-js, and `telemetry.enabled`
 *   without @opentelemetry/sdk-node.
 */
function requireFeaturePackages(config: ToolscriptConfig): void {
  if (config.sandbox.typecheck !== 'off' && !isInstalled('typescript'))
    throw new MissingPackageError('typescript', `sandbox.typecheck "${config.sandbox.typecheck}"`);
  if (config.pii.enabled && config.pii.detectors.phone && !isInstalled('libphonenumber-js'))
    throw new MissingPackageError(
      'libphonenumber-js',
      'pii.enabled with pii.detectors.phone (set it to false to go without phone numbers)',
    );
  if (config.telemetry.enabled && !isInstalled('@opentelemetry/sdk-node'))
    throw new MissingPackageError('@opentelemetry/sdk-node', 'telemetry.enabled');
}

/**
 * The key of PII vaults kept in a session store: `TOOLSCRIPT_PII_KEY`, 64 hex digits (32 bytes;
 * e.g. `openssl rand -hex 32`). Undefined when PII tokenization is off.
 * @throws {ConfigError} when PII tokenization is on and the key is missing or malformed.
 */
function sessionPiiKey(config: ToolscriptConfig): Buffer | undefined {
  if (!config.pii.enabled) return undefined;
  const hex = process.env.TOOLSCRIPT_PII_KEY ?? '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ConfigError(
      `With a session store and pii.enabled, set TOOLSCRIPT_PII_KEY to 64 hex digits (e.g. openssl rand -hex 32): vaults are kept in the store encrypted with it, and every replica needs the same key.${hex ? ' The value given is not 64 hex digits.' : ''}`,
      undefined,
    );
  }
  return Buffer.from(hex, 'hex');
}

/**
 * The key that seals paused approvals' `requestState` for 2026-07-28 clients:
 * `TOOLSCRIPT_STATE_KEY`, 64 hex digits (32 bytes; e.g. `openssl rand -hex 32`). Without it one
 * replica makes its own; with a store (several replicas) and approvals, a retry may reach another
 * replica, which must open it, so the key is required.
 * @throws {ConfigError} when the key is malformed, or missing with a store and `requireApproval`.
 */
function requestStateKey(config: ToolscriptConfig, withStore: boolean): Buffer | undefined {
  const hex = process.env.TOOLSCRIPT_STATE_KEY ?? '';
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  const approvals = Object.values(config.mcpServers).some((server) => server.requireApproval?.length);
  if (hex || (withStore && approvals)) {
    throw new ConfigError(
      `${hex ? 'TOOLSCRIPT_STATE_KEY must be 64 hex digits.' : 'With a session store and requireApproval, set TOOLSCRIPT_STATE_KEY to 64 hex digits (e.g. openssl rand -hex 32):'} It seals the state of paused approvals for 2026-07-28 clients, and every replica needs the same key.`,
      undefined,
    );
  }
  return undefined;
}
