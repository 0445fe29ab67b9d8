import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { EXECUTE_CODE_EXAMPLE, executeCodeDescription } from '../src/prompt/code-first.js';
import { ROOT, spawnCli } from './support/cli.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'toolscript-examples-'));
const DATA = join(work, 'data');

/** Runs the CLI from the checkout with its own data folder; throws with its stderr on failure. */
function cli(args: string[]) {
  const run = spawnCli(args, { dataDir: DATA, cwd: work, timeoutMs: 120_000 });
  if (run.code !== 0) throw new Error(`toolscript ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

function tsc(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [TSC, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, output: run.stdout + run.stderr };
}

/** The ```ts blocks of the README, in order. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

const isScript = (code: string) => /from '\.\/(servers|skills|runtime|client)\b/.test(code);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('examples', () => {
  it('the execute_code description shows the example, and it runs as written on the bundled default config', async () => {
    expect(executeCodeDescription([])).toContain(EXECUTE_CODE_EXAMPLE);
    const gateway = await createGateway(defaultConfig(work, { TOOLSCRIPT_DATA_DIR: DATA }));
    try {
      const execution = await gateway.execute(EXECUTE_CODE_EXAMPLE);
      expect(execution.error).toBeNull();
      expect(execution.result).toEqual(['[FILE] seattle-weather.csv']);
    } finally {
      await gateway.close();
    }
  });

  it("gen writes .js imports, a tsconfig and the saved skills; the README's scripts type-check there, strict", () => {
    const blocks = readmeBlocks();
    const skill = blocks.find((b) => b.startsWith('// skill "days-of"'));
    expect(skill).toBeDefined();
    writeFileSync(join(work, 'days-of.ts'), skill as string);
    cli([
      'skills',
      'save',
      'days-of',
      join(work, 'days-of.ts'),
      '--description',
      'Dates with a given weather',
    ]);
    const out = join(work, 'api');
    expect(cli(['gen', '--out', out])).toContain('and 1 skills');
    expect(readFileSync(join(out, 'servers/filesystem/index.ts'), 'utf8')).toContain(
      "export { readTextFile } from './readTextFile.js';",
    );
    const scripts = blocks.filter((b) => isScript(b) && !b.startsWith('// skill'));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [i, script] of [...scripts, EXECUTE_CODE_EXAMPLE].entries())
      writeFileSync(join(out, `example-${i}.ts`), script);
    const checked = tsc(['--noEmit', '-p', out], out);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it('gen output compiles under tsc --init defaults (nodenext, strict)', () => {
    const out = join(work, 'plain');
    cli(['gen', '--out', out]);
    rmSync(join(out, 'tsconfig.json'));
    tsc(['--init'], out);
    const checked = tsc(['--noEmit', '-p', out], out);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it("the README's library examples type-check against the package's exports, strict", () => {
    const dir = join(ROOT, 'node_modules/.toolscript-readme-check');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const library = readmeBlocks().filter((b) => !isScript(b));
    expect(library.length).toBeGreaterThanOrEqual(3);
    for (const [i, block] of library.entries()) {
      // Snippets that continue from the first one use its `gateway`.
      const prelude =
        /\bgateway\b/.test(block) && !/const gateway\b/.test(block)
          ? "declare const gateway: import('toolscript').Gateway;\n"
          : '';
      writeFileSync(join(dir, `example-${i}.ts`), `${prelude}${block}\nexport {};\n`);
    }
    const src = join(ROOT, 'src');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
          paths: {
            toolscript: [join(src, 'index.ts')],
            'toolscript/ai': [join(src, 'adapters/ai.ts')],
            'toolscript/anthropic': [join(src, 'adapters/anthropic.ts')],
            'toolscript/agent': [join(src, 'agent/index.ts')],
          },
        },
        include: ['*.ts'],
      }),
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const checked = tsc(['--noEmit', '-p', dir], dir);
    rmSync(dir, { recursive: true, force: true });
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });
});
