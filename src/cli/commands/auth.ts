import { spawn } from 'node:child_process';
import { CredentialStore, type OAuthCredentials } from '../../auth/credentials.js';
import { isRemoteServer, type RemoteServerConfig, type ToolscriptConfig } from '../../config/index.js';
import type { SessionStore } from '../../store/store.js';
import { MissingPackageError } from '../../util/peers.js';
import {
  CliError,
  type CliIO,
  type Command,
  defineCommand,
  loadCliConfig,
  parsePort,
  UsageError,
} from '../shared.js';

export const AUTH_HELP = `Usage: toolscript auth <login SERVER|status|logout SERVER> [--config FILE]

OAuth for remote servers that use MCP authorization (GitHub, Linear, Notion and others).

  login SERVER    log in: prints the authorization URL (and opens a browser when there is
                  one), receives the redirect on a loopback port, keeps the tokens encrypted
                  and calls the server once with them
  status          every remote server: logged in (and when the token expires), not logged
                  in, or authorized by a static Authorization header
  logout SERVER   forget the server's tokens and client registration

Tokens are kept encrypted in <dataDir>/oauth/, or in the session store when one is configured
(then every replica needs the same TOOLSCRIPT_OAUTH_KEY, 64 hex digits). The gateway refreshes
them when the server asks. A remote server with a static Authorization header is left alone.

Options:
      --port N        loopback port for the redirect (default: a free one)
      --no-browser    only print the URL
      --timeout S     seconds to wait for the redirect (default 300)
      --json          print status as JSON
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript auth`: log in to, report on and log out of OAuth-protected remote servers. */
export const auth: Command = defineCommand({
  help: AUTH_HELP,
  options: {
    port: { type: 'string' },
    'no-browser': { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: async ({ values, positionals }, io) => {
    const [action, server, ...rest] = positionals;
    if (!action || !['login', 'status', 'logout'].includes(action) || rest.length > 0)
      throw new UsageError('expected one of: login SERVER, status, logout SERVER');
    if (action !== 'status' && !server) throw new UsageError(`"auth ${action}" needs a SERVER`);
    const { config } = loadCliConfig(values.config, io);
    const { credentials, close } = await openCredentials(config);
    try {
      if (action === 'status') return await status(config, credentials, io, values.json === true);
      const name = server as string;
      if (action === 'logout') {
        const had = await credentials.delete(name);
        io.stdout(had ? `Logged out of ${name}.\n` : `${name} had no login.\n`);
        return 0;
      }
      const target = remoteServer(config, name);
      const port = parsePort(values.port, 0);
      const seconds = values.timeout === undefined ? 300 : Number(values.timeout);
      if (!(seconds > 0))
        throw new UsageError(`--timeout must be a number of seconds above 0, not "${values.timeout}"`);
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        const { login } = await import('../../upstream/login.js');
        const { tools } = await login(name, target, credentials, {
          port,
          timeoutMs: seconds * 1000,
          signal: stop.signal,
          open: async (url) => {
            io.stderr(`Open this URL to log in to ${name}:\n\n  ${url.href}\n\nWaiting for the redirect…\n`);
            if (io.openUrl) await io.openUrl(url.href);
            else if (!values['no-browser']) openBrowser(url.href);
          },
        });
        io.stdout(`Logged in to ${name} (${tools} tools). Tokens are kept in ${credentials.location}.\n`);
        return 0;
      } catch (error) {
        throw new CliError(`login to ${name} failed: ${(error as Error).message}`);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    } finally {
      await close();
    }
  },
});

/** The config's remote server `name`. @throws {CliError} when there is none, or it is a stdio server. */
function remoteServer(config: ToolscriptConfig, name: string): RemoteServerConfig {
  const target = config.mcpServers[name];
  const remote = Object.entries(config.mcpServers)
    .filter(([, s]) => isRemoteServer(s))
    .map(([n]) => n);
  if (!target)
    throw new CliError(
      `no server "${name}" in the config${remote.length ? `; remote servers: ${remote.join(', ')}` : '; add one with a "url"'}`,
      2,
    );
  if (!isRemoteServer(target))
    throw new CliError(`${name} is a stdio server; OAuth applies to remote servers (with a "url")`, 2);
  return target;
}

/** One line per remote server of the config, and per login kept for a server no longer in it. */
async function status(config: ToolscriptConfig, credentials: CredentialStore, io: CliIO, json: boolean) {
  const rows: { server: string; state: string; expiresAt?: string; refreshToken?: boolean }[] = [];
  const kept = new Set(await credentials.servers());
  for (const [server, target] of Object.entries(config.mcpServers)) {
    if (!isRemoteServer(target)) continue;
    if (Object.keys(target.headers ?? {}).some((h) => h.toLowerCase() === 'authorization')) {
      rows.push({ server, state: 'static Authorization header' });
      continue;
    }
    rows.push({ server, ...describe(await credentials.get(server)) });
    kept.delete(server);
  }
  for (const server of kept) rows.push({ server, state: 'logged in, but not in the config' });
  if (json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) io.stdout('The config has no remote server.\n');
  else
    for (const row of rows) {
      const expiry = row.expiresAt ? ` · token expires ${row.expiresAt}` : '';
      const refresh =
        row.refreshToken === undefined ? '' : row.refreshToken ? ' · refresh token' : ' · no refresh token';
      io.stdout(`${row.server}  ${row.state}${expiry}${refresh}\n`);
    }
  return 0;
}

function describe(credentials: OAuthCredentials | undefined): {
  state: string;
  expiresAt?: string;
  refreshToken?: boolean;
} {
  const tokens = credentials?.tokens;
  if (!tokens) return { state: 'not logged in' };
  const expires =
    tokens.expires_in !== undefined && credentials.tokensSavedAt !== undefined
      ? new Date(credentials.tokensSavedAt + tokens.expires_in * 1000).toISOString()
      : undefined;
  return {
    state: 'logged in',
    ...(expires ? { expiresAt: expires } : {}),
    refreshToken: !!tokens.refresh_token,
  };
}

/** The credentials of the config: in the session store when it has one, else in the data folder. */
async function openCredentials(
  config: ToolscriptConfig,
): Promise<{ credentials: CredentialStore; close: () => Promise<void> }> {
  const url = config.store ?? (process.env.TOOLSCRIPT_STORE || undefined);
  let store: SessionStore | undefined;
  if (url) {
    const { RedisStore } = await import('../../store/redis.js');
    store = await RedisStore.connect(url, { dataTtlMs: config.workspace.ttlDays * 24 * 3600 * 1000 }).catch(
      (error: Error) => {
        if (MissingPackageError.isInstance(error)) throw error;
        throw new CliError(`cannot reach the session store: ${error.message}`);
      },
    );
  }
  return { credentials: new CredentialStore(config.dataDir, store), close: async () => store?.close() };
}

/**
 * The command that opens `url` in the desktop's browser, or undefined when there is none here or
 * the URL is not http(s) (the authorization URL comes from the remote server's metadata). The URL
 * is always one argument, never shell text: on Windows `rundll32 url.dll,FileProtocolHandler`,
 * since `cmd /c start` would split an authorization URL at its `&`.
 */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): [string, string[]] | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return undefined;
  }
  if (protocol !== 'https:' && protocol !== 'http:') return undefined;
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open', [url]] : undefined;
}

/** Opens `url` in the desktop's browser when there is one; the URL is printed either way. */
function openBrowser(url: string): void {
  const found = browserCommand(url);
  if (!found) return;
  try {
    spawn(found[0], found[1], { stdio: 'ignore', detached: true })
      .on('error', () => {})
      .unref();
  } catch {}
}
