import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes on disk under `dir`, as `du` counts them: whole blocks, a file with several hard links
 * (esbuild links its binary) once, symbolic links not followed.
 */
export function diskUsage(dir: string, seen = new Set<string>()): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskUsage(path, seen);
    else if (entry.isFile()) {
      const stat = statSync(path);
      const inode = `${stat.dev}:${stat.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      total += stat.blocks * 512;
    }
  }
  return total;
}

/** The package.json of every package under a node_modules folder, nested ones and scopes included. */
export function* installedManifests(folder: string): Generator<string> {
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.name.startsWith('@')) {
      yield* installedManifests(path);
      continue;
    }
    if (existsSync(join(path, 'package.json'))) yield join(path, 'package.json');
    yield* installedManifests(join(path, 'node_modules'));
  }
}

/** A client's way to start toolscript: a command and its arguments. */
export interface ClientEntry {
  command: string;
  args: string[];
}

/**
 * The README's two client snippets, as a client would run them: Claude Desktop's JSON entry (its
 * example paths replaced by `installed`, the global package folder, and `config`) and Claude
 * Code's stdio line (the command after `--`).
 * @throws when the README no longer holds either snippet.
 */
export function readmeClientSnippets(
  readme: string,
  paths: { installed: string; config: string },
): { desktop: ClientEntry; code: ClientEntry } {
  const desktopBlock = /\*\*Claude Desktop\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
  const codeLine = /^claude mcp add toolscript -- (.+?)\s+#/m.exec(readme)?.[1];
  if (!desktopBlock || !codeLine)
    throw new Error("the README's Claude Desktop or Claude Code snippet is missing");
  const desktop = JSON.parse(
    desktopBlock
      .replace('/usr/local/lib/node_modules/toolscript', paths.installed)
      .replace('/Users/you/toolscript.json', paths.config),
  ).mcpServers.toolscript as ClientEntry;
  const [command = '', ...args] = codeLine.split(' ');
  return { desktop, code: { command, args } };
}

/**
 * Every module a Node process loads, as file URLs or paths: ES modules through a loader hook as
 * they resolve, and CommonJS ones (which come through createRequire, where no ES loader hook
 * sees them) from require.cache at exit. Writes `hook.mjs` and `register.mjs` into `cwd`.
 * @param args the process's arguments after `node`.
 * @throws when the process exits non-zero (with its stderr).
 */
export function modulesLoaded(
  cwd: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): string[] {
  writeFileSync(
    join(cwd, 'hook.mjs'),
    `export async function resolve(specifier, context, next) {
       const result = await next(specifier, context);
       process.stderr.write('MODULE ' + result.url + '\\n');
       return result;
     }`,
  );
  writeFileSync(
    join(cwd, 'register.mjs'),
    `import { createRequire, register } from 'node:module';
     register('./hook.mjs', import.meta.url);
     const cache = createRequire(import.meta.url).cache;
     process.on('exit', () => { for (const file of Object.keys(cache)) process.stderr.write('MODULE ' + file + '\\n'); });`,
  );
  const run = spawnSync(process.execPath, ['--import', './register.mjs', ...args], {
    cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    env: options.env ?? process.env,
  });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return run.stderr
    .split('\n')
    .filter((line) => line.startsWith('MODULE '))
    .map((line) => line.slice('MODULE '.length));
}
