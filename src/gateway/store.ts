import type { ToolscriptConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { SessionStore } from '../store/store.js';
import { MissingPackageError } from '../util/peers.js';

/**
 * The session store's URL: config `store`, else `TOOLSCRIPT_STORE`; undefined for none.
 * @throws {ConfigError} when it is not a Redis URL.
 */
export function storeUrlOf(
  config: ToolscriptConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const url = config.store ?? (env.TOOLSCRIPT_STORE || undefined);
  if (url !== undefined && !/^rediss?:\/\/\S+$/.test(url))
    throw new ConfigError(
      `TOOLSCRIPT_STORE must be a Redis URL such as redis://host:6379 (or rediss:// for TLS); it is "${url}".`,
      undefined,
    );
  return url;
}

/**
 * Connects to the Redis session store at `url`; what a session saved there expires after the
 * config's `workspace.ttlDays` unused.
 * @throws {ConfigError} when Redis cannot be reached (the message says where and what to do).
 * @throws {MissingPackageError} when @redis/client is not installed.
 */
export async function connectStore(url: string, config: ToolscriptConfig): Promise<SessionStore> {
  const { RedisStore } = await import('../store/redis.js');
  try {
    return await RedisStore.connect(url, { dataTtlMs: config.workspace.ttlDays * 24 * 3600 * 1000 });
  } catch (error) {
    if (MissingPackageError.isInstance(error)) throw error;
    throw new ConfigError((error as Error).message, undefined);
  }
}
