import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../config/index.js';
import { type Command, defineCommand, UsageError } from '../shared.js';

export const BENCH_HELP = `Usage: toolscript bench [WORKFLOW…]

Runs the token benchmark: each workflow in code mode (search_tools + execute_code through the
gateway) and by direct tool calling (the same calls one at a time through the MCP SDK client),
first with only the servers it needs, then with every server connected. Writes
bench/results/tokens.md, tokens.json and reductions.svg. Same as "npm run bench:tokens".

Needs a source checkout with its dev dependencies (the servers and data packages).
Workflows: mail-top-senders spam-subject-words movie-graph flight-delay-p90 git-who-changed-what
           weather-to-graph small-sum small-file-info (default: all)

Options:
  -h, --help   show this help
`;

/** `toolscript bench`: the token benchmark, run from a source checkout. */
export const bench: Command = defineCommand({
  help: BENCH_HELP,
  options: {},
  run: async ({ positionals }, io) => {
    const script = resolve(PACKAGE_ROOT, 'bench/tokens/main.ts');
    if (!existsSync(script)) {
      throw new UsageError(
        'toolscript bench runs from a source checkout: clone the repository, npm install, npm run bench:tokens',
      );
    }
    io.stderr(`Running ${script}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...positionals], {
      cwd: PACKAGE_ROOT,
      stdio: 'inherit',
    });
    return new Promise<number>((done) => child.on('exit', (code) => done(code ?? 1)));
  },
});
