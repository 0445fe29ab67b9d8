/**
 * OAuth for remote servers, end to end over the real protocol: a server-everything behind the MCP
 * SDK's own authorization server parts (see support/oauth-server.ts). Before login the gateway
 * reports "needs toolscript auth login" and its other servers work; `toolscript auth login` runs
 * discovery, dynamic registration and the code flow with PKCE; the gateway then calls the server,
 * refreshes the expired token by itself, and `auth status`/`auth logout` say and do what they
 * should. Tokens are kept encrypted.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore, OAUTH_KEY_ENV } from '../src/auth/credentials.js';
import { runCli } from '../src/cli/main.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { captureIO } from './support/cli.js';
import { type OAuthMcpServer, startOAuthMcpServer } from './support/oauth-server.js';
import { REDIS_AVAILABLE, redisForSuite } from './support/redis.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

/** Seconds an access token lives on the test server: short, so the gateway must refresh. */
const ACCESS_TTL_S = 2;

let remote: OAuthMcpServer;
let dir: string;
let configFile: string;
const gateways: Gateway[] = [];

beforeAll(async () => {
  remote = await startOAuthMcpServer(ACCESS_TTL_S);
  dir = await mkdtemp(join(tmpdir(), 'toolscript-oauth-'));
  configFile = join(dir, 'toolscript.config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      mcpServers: { remote: { type: 'http', url: remote.url }, files: stdioServer(...FILESYSTEM, [dir]) },
    }),
  );
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await remote?.close();
  await rm(dir, { recursive: true, force: true });
});

async function gateway(): Promise<Gateway> {
  const config = JSON.parse(await readFile(configFile, 'utf8'));
  const started = await createGateway(parseConfig(config));
  gateways.push(started);
  return started;
}

/** `toolscript auth …` in this process; the "browser" follows the authorization URL itself. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { out, io } = captureIO({
    openUrl: async (url) => {
      // The auto-approving authorization server redirects to the loopback callback at once.
      const page = await fetch(url, { redirect: 'follow' });
      expect(await page.text()).toContain('toolscript: logged in');
    },
  });
  const code = await runCli(['auth', ...args, '--config', configFile], io);
  return { code, ...out };
}

const ECHO = `import { echo } from './servers/remote'; return await echo({ message: 'through OAuth' });`;

describe('remote servers with OAuth', () => {
  it('reports a server that needs login, registers nothing, and keeps the other servers working', async () => {
    const before = await gateway();
    const status = before.listServers().find((s) => s.name === 'remote');
    expect(status?.ok).toBe(false);
    expect(status?.error).toBe(
      "Upstream server 'remote' is unavailable: needs `toolscript auth login remote` (it uses OAuth and has no valid token).",
    );
    expect(remote.registrations()).toBe(0);
    const files = await before.execute(
      `import { listAllowedDirectories } from './servers/files'; return await listAllowedDirectories({});`,
    );
    expect(files.error).toBeNull();
    const status2 = await cli('status');
    expect(status2.stdout).toBe('remote  not logged in\n');
  });

  it('logs in with discovery, registration, PKCE and the code flow, and keeps the tokens encrypted', async () => {
    const login = await cli('login', 'remote');
    expect(login.stderr).toContain('Open this URL to log in to remote:');
    expect(login.stdout).toMatch(/^Logged in to remote \(\d+ tools\)\. Tokens are kept in .*oauth\.\n$/);
    expect(login.code).toBe(0);
    expect(remote.registrations()).toBe(1);
    expect(remote.counts).toMatchObject({ authorizations: 1, codeExchanges: 1 });
    const file = join(dir, 'data', 'oauth', 'remote.bin');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = await new CredentialStore(join(dir, 'data')).get('remote');
    const access = stored?.tokens?.access_token as string;
    expect(access).toMatch(/^[0-9a-f-]{36}$/);
    const raw = await readFile(file);
    expect(raw.includes(access)).toBe(false);
    expect(raw.includes('refresh_token')).toBe(false);
    expect((await cli('status')).stdout).toMatch(
      /^remote {2}logged in · token expires \S+Z · refresh token\n$/,
    );
  });

  it('calls the server with the token, and refreshes it by itself once it expired', async () => {
    const after = await gateway();
    expect(after.listServers().find((s) => s.name === 'remote')?.ok).toBe(true);
    const first = await after.execute(ECHO);
    expect(first.result).toBe('Echo: through OAuth');
    const refreshes = remote.counts.refreshes;
    const before = (await new CredentialStore(join(dir, 'data')).get('remote'))?.tokens?.access_token;
    await new Promise((resolve) => setTimeout(resolve, ACCESS_TTL_S * 1000 + 500));
    const second = await after.execute(ECHO);
    expect(second.error).toBeNull();
    expect(second.result).toBe('Echo: through OAuth');
    expect(remote.counts.refreshes).toBe(refreshes + 1);
    const renewed = (await new CredentialStore(join(dir, 'data')).get('remote'))?.tokens?.access_token;
    expect(renewed).not.toBe(before);
  });

  it('static headers keep working, and the server is not asked for a login', async () => {
    const access = (await new CredentialStore(join(dir, 'data')).get('remote'))?.tokens?.access_token;
    const withHeader = await createGateway(
      parseConfig({
        dataDir: join(dir, 'other-data'),
        mcpServers: {
          remote: { type: 'http', url: remote.url, headers: { Authorization: `Bearer ${access}` } },
        },
      }),
    );
    gateways.push(withHeader);
    expect((await withHeader.execute(ECHO)).result).toBe('Echo: through OAuth');
  });

  it('logs out: the tokens are gone and the gateway says to log in again', async () => {
    const out = await cli('logout', 'remote');
    expect(out.stdout).toBe('Logged out of remote.\n');
    expect((await cli('logout', 'remote')).stdout).toBe('remote had no login.\n');
    expect((await cli('status')).stdout).toBe('remote  not logged in\n');
    const again = await gateway();
    expect(again.listServers().find((s) => s.name === 'remote')?.error).toContain(
      'toolscript auth login remote',
    );
  });

  it('says what is wrong with a bad login command, in one line', async () => {
    const stdio = await cli('login', 'files');
    expect(stdio.stderr).toContain(
      'error: files is a stdio server; OAuth applies to remote servers (with a "url")',
    );
    expect(stdio.code).toBe(2);
    const unknown = await cli('login', 'nope');
    expect(unknown.stderr).toContain('error: no server "nope" in the config; remote servers: remote');
    expect((await cli('login')).stderr).toContain(
      'error: "auth login" needs a SERVER (see toolscript auth --help)',
    );
    const port = await cli('login', 'remote', '--port', '99999');
    expect(port.stderr).toContain('error: --port must be 0-65535, not "99999"');
    expect(port.code).toBe(2);
    expect((await cli('login', 'remote', '--timeout', 'soon')).stderr).toContain(
      'error: --timeout must be a number of seconds above 0, not "soon"',
    );
  });
});

describe.runIf(REDIS_AVAILABLE)('OAuth tokens in the session store', () => {
  const redis = redisForSuite();
  const key = randomBytes(32).toString('hex');
  let storeConfig: string;
  beforeAll(async () => {
    storeConfig = join(dir, 'store.config.json');
    await writeFile(
      storeConfig,
      JSON.stringify({
        store: redis.url(),
        dataDir: join(dir, 'replica-a'),
        mcpServers: { remote: { type: 'http', url: remote.url } },
      }),
    );
  });
  afterAll(() => {
    delete process.env[OAUTH_KEY_ENV];
  });

  const login = async () => {
    const { out, io } = captureIO({ openUrl: async (url) => void (await (await fetch(url)).text()) });
    const code = await runCli(['auth', 'login', 'remote', '--config', storeConfig], io);
    return { code, ...out };
  };

  it('needs TOOLSCRIPT_OAUTH_KEY, since every replica must open the tokens', async () => {
    delete process.env[OAUTH_KEY_ENV];
    const failed = await login();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`set ${OAUTH_KEY_ENV} to 64 hex digits`);
  });

  it('keeps the tokens sealed in the store, where every replica uses them', async () => {
    process.env[OAUTH_KEY_ENV] = key;
    const done = await login();
    expect(done.stdout).toContain('Tokens are kept in the session store (shared folder "oauth")');
    expect(statSync(join(dir, 'replica-a', 'oauth'), { throwIfNoEntry: false })).toBeUndefined();
    const replicas = await Promise.all(
      ['replica-a', 'replica-b'].map((data) =>
        createGateway(
          parseConfig({
            store: redis.url(),
            dataDir: join(dir, data),
            mcpServers: { remote: { type: 'http', url: remote.url } },
          }),
        ),
      ),
    );
    gateways.push(...replicas);
    for (const replica of replicas) expect((await replica.execute(ECHO)).result).toBe('Echo: through OAuth');
    // What Redis holds is sealed: no token in it.
    const client = createClient({ url: redis.url() });
    await client.connect();
    const dump = JSON.stringify(await client.sendCommand(['KEYS', '*']));
    const values = await Promise.all(
      (JSON.parse(dump) as string[]).map(async (k) => JSON.stringify(await client.sendCommand(['DUMP', k]))),
    );
    await client.close();
    const access = (await new CredentialStore(join(dir, 'x'), replicas[0]?.store).get('remote'))?.tokens
      ?.access_token;
    expect(access).toMatch(/^[0-9a-f-]{36}$/);
    expect(values.join('')).not.toContain(access);
  });
});
