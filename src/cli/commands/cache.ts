import { connectStore, storeUrlOf } from '../../gateway/store.js';
import { CallCache } from '../../upstream/call-cache.js';
import { nearest } from '../../util/nearest.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from '../shared.js';

export const CACHE_HELP = `Usage: toolscript cache clear [SERVER] [--url URL] [--token TOKEN] [--config FILE]

Drops memoized tool call results (config "cache"): every server's, or SERVER's only. With a
session store ("store" or TOOLSCRIPT_STORE), the results live there and are dropped there, for
every replica. Without one they live in the running gateway's memory: the command asks the
gateway at --url (POST <url>/ui/api/cache/clear). A stdio gateway's cache ends with its process.

Options:
      --url URL       a running "toolscript serve --http" (default http://127.0.0.1:8765); with
                      a store, asks that gateway rather than the store
      --token TOKEN   the gateway's token, when it has one (default $TOOLSCRIPT_TOKEN)
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript cache clear [SERVER]`: drops memoized call results, in the store or a running gateway. */
export const cache: Command = defineCommand({
  help: CACHE_HELP,
  options: { url: { type: 'string' }, token: { type: 'string' } },
  run: async ({ values, positionals }, io) => {
    const [action, server, extra] = positionals;
    if (action !== 'clear' || extra !== undefined) throw new UsageError('expected: cache clear [SERVER]');
    const what = server === undefined ? 'every server' : `server "${server}"`;
    const { config } = loadCliConfig(values.config, io);
    const url = storeUrlOf(config);
    if (url && values.url === undefined) {
      const names = Object.keys(config.mcpServers);
      if (server !== undefined && !names.includes(server)) {
        const near = nearest(server, names);
        throw new UsageError(
          `no server "${server}" in the config${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; servers: ${names.join(', ')}`,
        );
      }
      const store = await connectStore(url, config);
      try {
        let failure: string | undefined;
        const dropped = await new CallCache(config, store, (message) => {
          failure = message;
        }).clear(server);
        if (failure) throw new Error(failure);
        io.stdout(`Dropped ${results(dropped)} of ${what} in ${store.location}.\n`);
        return 0;
      } finally {
        await store.close();
      }
    }
    const base = (values.url ?? 'http://127.0.0.1:8765').replace(/\/(mcp|ui\/?)?$/, '');
    const token = values.token ?? (process.env.TOOLSCRIPT_TOKEN || undefined);
    let response: Response;
    try {
      response = await fetch(`${base}/ui/api/cache/clear`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(server === undefined ? {} : { server }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new UsageError(
        `cannot reach the gateway at ${base} (${(error as Error).message}). Without a store the call cache lives in a running "toolscript serve --http"; pass its --url.`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as { dropped?: number; error?: string };
    if (response.status === 401)
      throw new UsageError(`the gateway at ${base} wants its token: pass --token or set TOOLSCRIPT_TOKEN`);
    if (!response.ok)
      throw new UsageError(`the gateway at ${base} answered ${response.status}: ${body.error ?? ''}`);
    io.stdout(
      `Dropped ${body.dropped ?? 0} kept result${body.dropped === 1 ? '' : 's'} of ${what} at ${base}.\n`,
    );
    return 0;
  },
});

/** `n kept result(s)`. */
function results(n: number): string {
  return `${n} kept result${n === 1 ? '' : 's'}`;
}
