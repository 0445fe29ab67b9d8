import { createRequire } from 'node:module';

// esbuild's CommonJS entry loads several times faster than its ESM one (start-up of `exec`).
const { transform } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');

/** Result of turning a TypeScript script into the JavaScript module the sandbox runs. */
export type TranspileResult = { ok: true; code: string } | { ok: false; message: string };

/**
 * Transpiles a script (TypeScript, ES module) with esbuild. A script with a top-level `return`
 * is accepted too: its `import` statements are hoisted and the rest becomes the body of an async
 * function whose value is the default export.
 * @returns JavaScript, or a syntax error message with `line:column` in the script's own source.
 */
export async function transpileScript(source: string): Promise<TranspileResult> {
  // `export {}` makes every script an ES module: esbuild would take one with no import or export
  // for CommonJS, where a top-level `return` is legal and its value lost.
  const first = await run(`${source}\nexport {};`);
  if (first.ok || !/top-level return/i.test(first.message)) return first;
  const { imports, body } = await hoistImports(source);
  return run(`${imports} export default await (async () => {\n${body}\n})();`);
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

async function run(source: string): Promise<TranspileResult> {
  try {
    const result = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcefile: 'script.ts',
      logLevel: 'silent',
      supported: { 'top-level-await': true },
    });
    return { ok: true, code: result.code };
  } catch (error) {
    const failure = error as {
      errors?: { text: string; location?: { line: number; column: number } | null }[];
    };
    const messages = (failure.errors ?? []).map(
      (e) => `${e.location ? `script.ts:${e.location.line}:${e.location.column + 1}: ` : ''}${e.text}`,
    );
    return { ok: false, message: messages.join('\n') || String(error) };
  }
}
