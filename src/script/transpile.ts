import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { isInstalled } from '../util/peers.js';

// esbuild's CommonJS entry loads several times faster than its ESM one (start-up of `exec`).
const { transform } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');

/**
 * Starts esbuild's service process (a child process, started on the first transform) without
 * waiting for it, so its start-up overlaps whatever the caller loads next (`exec`).
 */
export function warmUpTranspiler(): void {
  transform('', { loader: 'ts' }).catch(() => {});
}

/** Result of turning a TypeScript script into the JavaScript module the sandbox runs. */
export type TranspileResult = { ok: true; code: string } | { ok: false; message: string };

/**
 * Transpiles a script (TypeScript, ES module) with esbuild. A script with a top-level `return`
 * is accepted too: its `import` statements are hoisted and the rest becomes the body of an async
 * function whose value is the default export. Imports at the start of the script are found by
 * {@link leadingImports}; imports further down need the TypeScript parser (the typescript
 * package, an optional peer).
 * @param file the name syntax errors give the source (`skill.ts` for a skill). @default "script.ts"
 * @returns JavaScript, or a syntax error message with `file:line:column` in the source itself.
 */
export function transpileScript(source: string, file = 'script.ts'): Promise<TranspileResult> {
  const key = `${file}\u0000${source}`;
  let result = transpiled.get(key);
  if (!result) {
    result = transpile(source, file);
    transpiled.set(key, result);
    // Only what transpiled stays: a failure is cheap to find again, and may not be the script's
    // (esbuild's service stopping).
    const forget = () => transpiled.delete(key);
    result.then((done) => done.ok || forget(), forget);
  }
  return result;
}

/**
 * Transpiled scripts by file name and source, the least recently used first out past 8 MiB of
 * sources: an agent runs the same script again (a retry, a skill's module, a scheduled report),
 * and esbuild took 2.5 to 5.5 ms for the 400-mail workflow each time. Transpiling depends on
 * nothing else.
 */
const transpiled = new LRUCache<string, Promise<TranspileResult>>({
  maxSize: 8 * 1024 * 1024,
  sizeCalculation: (_, key) => Math.max(1, key.length),
});

async function transpile(source: string, file: string): Promise<TranspileResult> {
  // `export {}` makes every script an ES module: esbuild would take one with no import or export
  // for CommonJS, where a top-level `return` is legal and its value lost.
  const first = await run(`${source}\nexport {};`, file);
  if (first.ok || !TOP_LEVEL_RETURN.test(first.message)) return first;
  const split = leadingImports(source);
  const leading = await run(asFunction(split), file);
  if (leading.ok) return leading;
  if (!isInstalled('typescript')) {
    const hint = /(^|[\s;])import[\s{*'"]/.test(split.body)
      ? ' (with a top-level return, put the imports at the top of the script, or npm install typescript to hoist them from anywhere)'
      : '';
    return { ok: false, message: `${leading.message}${hint}` };
  }
  return run(asFunction(await hoistImports(source)), file);
}

const TOP_LEVEL_RETURN = /top-level return/i;

/** The script as an async function's body; on one line with the imports, so lines keep their numbers. */
function asFunction({ imports, body }: { imports: string; body: string }): string {
  return `${imports} export default await (async () => {${body}\n})();`;
}

/** One import declaration, or whitespace or a comment, at the start of the text. */
const LEADING =
  /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|import\s*(?:[\w$*{][^;'"]*?\sfrom\s*)?(["'])[^"'\n]*\1\s*;?)/;

/**
 * Splits a script into the import declarations at its start (before any other statement) and the
 * rest, with the imports blanked out of the body so lines keep their numbers.
 */
function leadingImports(source: string): { imports: string; body: string } {
  const imports: string[] = [];
  let position = 0;
  for (;;) {
    const match = LEADING.exec(source.slice(position));
    if (!match) break;
    if (match[0].startsWith('import')) imports.push(match[0].trim().replace(/;?$/, ';'));
    position += match[0].length;
  }
  return {
    imports: imports.join(' '),
    body: `${source.slice(0, position).replace(/[^\n]/g, ' ')}${source.slice(position)}`,
  };
}

/**
 * Splits a script into its top-level import declarations and the rest, using the TypeScript
 * parser (loaded only for scripts that need it), which accepts a top-level `return`.
 */
async function hoistImports(source: string): Promise<{ imports: string; body: string }> {
  const ts = (await import('typescript')).default;
  const file = ts.createSourceFile('script.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const imports: string[] = [];
  let body = '';
  let position = 0;
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const start = statement.getStart(file);
    body += `${source.slice(position, start)}${' '.repeat(statement.end - start).replace(/[^\n]/g, ' ')}`;
    imports.push(source.slice(start, statement.end).trim().replace(/;?$/, ';'));
    position = statement.end;
  }
  body += source.slice(position);
  return { imports: imports.join(' '), body };
}

async function run(source: string, file: string): Promise<TranspileResult> {
  try {
    const result = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcefile: file,
      logLevel: 'silent',
      supported: { 'top-level-await': true },
    });
    return { ok: true, code: result.code };
  } catch (error) {
    const failure = error as {
      errors?: { text: string; location?: { line: number; column: number } | null }[];
    };
    const messages = (failure.errors ?? []).map(
      (e) => `${e.location ? `${file}:${e.location.line}:${e.location.column + 1}: ` : ''}${e.text}`,
    );
    return { ok: false, message: messages.join('\n') || String(error) };
  }
}
