import { createServer } from 'node:net';
import { exposureProblem, serveHttp } from '../../server/http.js';
import { serveStdio } from '../../server/stdio.js';
import { EXPOSURES, type Exposure } from '../../session/exposure.js';
import { CliError, type Command, defineCommand, parsePort, startGateway, UsageError } from '../shared.js';

export const SERVE_HELP = `Usage: toolscript serve [--http] [--host 127.0.0.1] [--port 8765] [--token TOKEN] [--config FILE]

Runs the gateway as an MCP server with two tools, search_tools and execute_code, in front of
every server in the config. Over stdio by default (for clients that start it as a command), or
over Streamable HTTP at http://HOST:PORT/mcp with --http. Stops on Ctrl-C (SIGINT) or SIGTERM,
closing every upstream server.

Over HTTP, requests whose Host or Origin is not this machine's are refused (DNS rebinding), bodies
are capped at 4 MiB, and sessions idle for 30 minutes are closed.

Both MCP eras are served: 2025-11-25 clients get sessions; 2026-07-28 clients are served without
one, their state carried by execute_code's "context" handle (30 minutes idle). Several replicas
share a store ($TOOLSCRIPT_STORE) and need the same $TOOLSCRIPT_PII_KEY (PII on) and
$TOOLSCRIPT_STATE_KEY (approvals; 64 hex digits, e.g. openssl rand -hex 32).

Options:
      --http          serve Streamable HTTP instead of stdio
      --host HOST     interface to listen on (default 127.0.0.1)
      --port PORT     TCP port (default 8765; 0 picks a free one)
      --token TOKEN   bearer token clients must send (Authorization: Bearer TOKEN); default
                      $TOOLSCRIPT_TOKEN. Required with a --host other than loopback.
      --session NAME  over stdio: resume the named session (workspace and state); default a new one
      --expose WHAT   how clients reach the servers' tools: code (search_tools and execute_code),
                      tools (each tool listed as <server>.<tool> and called directly, with every
                      policy applied) or both; default each server's "expose" in the config. Over
                      HTTP a client chooses for itself with ?codemode=false or the
                      toolscript-expose header
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript serve`: the gateway as an MCP server, until stopped. */
export const serve: Command = defineCommand({
  help: SERVE_HELP,
  options: {
    http: { type: 'boolean' },
    host: { type: 'string' },
    port: { type: 'string' },
    session: { type: 'string' },
    token: { type: 'string' },
    expose: { type: 'string' },
  },
  run: async ({ values }, io) => {
    const port = parsePort(values.port, 8765);
    if (!values.http && (values.host || values.port || values.token))
      throw new UsageError('--host, --port and --token need --http');
    const token = values.token ?? (process.env.TOOLSCRIPT_TOKEN || undefined);
    const expose = values.expose as Exposure | undefined;
    if (expose !== undefined && !EXPOSURES.includes(expose))
      throw new UsageError(`--expose takes code, tools or both, not "${values.expose}"`);
    // Before any upstream server starts: a refused address or a busy port should cost nothing.
    const exposed = values.http ? exposureProblem(values.host ?? '127.0.0.1', token) : undefined;
    if (exposed) throw new CliError(exposed);
    if (values.http) await checkPortFree(values.host ?? '127.0.0.1', port);
    const gateway = await startGateway(values.config, io);
    const servers = gateway.listServers();
    const summary = servers
      .map((s) => (s.ok ? `  ${s.name.padEnd(16)} ${s.tools} tools` : `  ${s.name.padEnd(16)} unavailable`))
      .join('\n');
    if (!values.http) {
      io.stderr(`toolscript serving MCP over stdio\n${summary}\n`);
      await serveStdio(gateway, values.session, expose);
      await gateway.close();
      return 0;
    }
    let http: Awaited<ReturnType<typeof serveHttp>>;
    try {
      http = await serveHttp(gateway, { ...(values.host ? { host: values.host } : {}), port, token, expose });
    } catch (error) {
      await gateway.close();
      throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? await portInUse(values.host ?? '127.0.0.1', port)
        : error;
    }
    io.stdout(
      `toolscript gateway listening on ${http.url}\n\nUpstream servers:\n${summary}\n\n` +
        `Connect a client:\n  Claude Code:  claude mcp add --transport http toolscript ${http.url}${token ? ' --header "Authorization: Bearer $TOOLSCRIPT_TOKEN"' : ''}\n` +
        `  Any client:   Streamable HTTP endpoint ${http.url}\n\n` +
        `Dashboard: ${http.url.replace(/\/mcp$/, '/ui')}${token ? ' (asks for the token once)' : ''}\n\nPress Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    io.stderr('Stopping…\n');
    await http.close();
    await gateway.close();
    return 0;
  },
});

/** The error for a busy port, suggesting the next port that is free now (checked), or --port 0. */
async function portInUse(host: string, port: number): Promise<CliError> {
  let free: number | undefined;
  for (let next = port + 1; next <= Math.min(port + 20, 65535) && free === undefined; next++)
    if (await canListen(host, next)) free = next;
  return new CliError(
    `port ${port} on ${host} is already in use (is another toolscript running? pick another with ${free ? `--port ${free} (free now)` : '--port N'}, or --port 0 for a free one)`,
  );
}

/** True when `host:port` can be listened on now. */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Fails fast when `host:port` cannot be listened on, before any upstream server is started.
 * @throws {CliError} naming --port when the port is taken, or --host when the address is not local.
 */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') portInUse(host, port).then(reject, reject);
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new CliError(`cannot listen on ${host}: not an address of this machine (check --host)`));
      else if (error.code === 'EACCES')
        reject(new CliError(`no permission to listen on port ${port} (use a port above 1023 with --port)`));
      else reject(error);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
