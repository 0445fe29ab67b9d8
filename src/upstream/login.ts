import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CredentialStore } from '../auth/credentials.js';
import { StoredOAuthProvider } from '../auth/provider.js';
import type { RemoteServerConfig } from '../config/index.js';

/** Longest wait for the person to finish logging in, in ms: 5 minutes. */
export const LOGIN_TIMEOUT_MS = 5 * 60_000;
/** Path of the loopback redirect URI. */
const CALLBACK_PATH = '/callback';

export interface LoginOptions {
  /**
   * Sends the person to the authorization URL: print it, open a browser. Called once, after
   * discovery and client registration; the redirect then comes back to the loopback server.
   */
  open: (url: URL) => void | Promise<void>;
  /** Loopback port for the redirect (RFC 8252 §7.3); 0 picks a free one. @default 0 */
  port?: number;
  /** @default LOGIN_TIMEOUT_MS */
  timeoutMs?: number;
  /** Stops waiting (Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * Logs in to one remote server with MCP authorization: the MCP SDK's client `auth` does discovery
 * (RFC 9728, RFC 8414), dynamic client registration (RFC 7591) and the authorization code flow
 * with PKCE (RFC 7636); the redirect comes back to a loopback HTTP server on 127.0.0.1 (RFC 8252).
 * The tokens are kept in `credentials`, and the server is then called once (`tools/list`) with
 * them to prove they work.
 * @returns the number of tools the server lists with the new token.
 * @throws {Error} when the person denies access, the state does not match, the wait times out
 *   or is aborted, or the server refuses the new token; the message says which.
 */
export async function login(
  server: string,
  target: RemoteServerConfig,
  credentials: CredentialStore,
  options: LoginOptions,
): Promise<{ tools: number }> {
  const { auth } = await import('@modelcontextprotocol/client');
  const callback = await listenForRedirect(options.port ?? 0);
  try {
    const provider = new StoredOAuthProvider(server, credentials, {
      redirectUrl: callback.url,
      redirect: options.open,
    });
    // A login asks again even when a token is kept: drop it (and any login left half-way).
    await credentials.update(server, ({ tokens: _t, tokensSavedAt: _s, codeVerifier: _v, ...kept }) => kept);
    const started = await auth(provider, { serverUrl: target.url });
    if (started === 'REDIRECT') {
      const { code, state } = await callback.wait(options.timeoutMs ?? LOGIN_TIMEOUT_MS, options.signal);
      if (state !== provider.expectedState)
        throw new Error('the redirect came back with another state; start the login again');
      await auth(provider, { serverUrl: target.url, authorizationCode: code });
    }
    await credentials.update(server, ({ codeVerifier: _v, ...kept }) => kept);
    return { tools: await countTools(target, new StoredOAuthProvider(server, credentials)) };
  } finally {
    await callback.close();
  }
}

/** Lists the server's tools with the kept token, as the gateway will. */
async function countTools(target: RemoteServerConfig, provider: StoredOAuthProvider): Promise<number> {
  const { openClient } = await import('./transports.js');
  const { client } = await openClient(
    target,
    { timeoutMs: 30_000, maxBufferSize: 16 * 1024 * 1024, authProvider: provider },
    { onProtocolVersion: () => {}, onOversized: () => {}, onStderr: () => {} },
  );
  try {
    return (await client.listTools()).tools.length;
  } finally {
    await client.close();
  }
}

/** The loopback server that receives the authorization server's redirect. */
async function listenForRedirect(port: number): Promise<{
  url: string;
  wait: (timeoutMs: number, signal?: AbortSignal) => Promise<{ code: string; state: string | null }>;
  close: () => Promise<void>;
}> {
  let settle: ((result: { code: string; state: string | null } | Error) => void) | undefined;
  const arrived = new Promise<{ code: string; state: string | null } | Error>((resolve) => {
    settle = resolve;
  });
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH) {
      response.writeHead(404).end();
      return;
    }
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    const ok = code !== null && error === null;
    response.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(
      ok
        ? 'toolscript: logged in. You can close this tab.\n'
        : `toolscript: login failed: ${error ?? 'no code'}\n`,
    );
    settle?.(
      ok
        ? { code, state: url.searchParams.get('state') }
        : new Error(
            `the authorization server answered ${error ?? 'without a code'}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}`,
          ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${CALLBACK_PATH}`,
    async wait(timeoutMs, signal) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<Error>((resolve) => {
        timer = setTimeout(
          () =>
            resolve(
              new Error(
                `no redirect came back within ${Math.round(timeoutMs / 1000)} s; start the login again`,
              ),
            ),
          timeoutMs,
        );
      });
      const aborted = new Promise<Error>((resolve) =>
        signal?.addEventListener('abort', () => resolve(new Error('the login was stopped')), { once: true }),
      );
      try {
        const result = await Promise.race([arrived, timedOut, aborted]);
        if (result instanceof Error) throw result;
        return result;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
