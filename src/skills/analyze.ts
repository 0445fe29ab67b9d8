import { basename, dirname } from 'node:path';
import ts from 'typescript';

/** Compiler options of in-memory checks (skills, and scripts before they run): strict, ES2022, bundler resolution. */
export const STRICT_CHECK_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  skipLibCheck: true,
};

/** True for TypeScript's own lib files (`lib.*.d.ts` in its folder): the only host files a check reads. */
export function isTypeScriptLib(name: string): boolean {
  const libDir = dirname(ts.getDefaultLibFilePath(STRICT_CHECK_OPTIONS));
  return dirname(name) === libDir && /^lib\.[\w.]+\.d\.ts$/.test(basename(name));
}

/** Virtual files for the type check: path (relative, `/`-separated) → source. */
export type VirtualFiles = Map<string, string>;

const GLOBALS = `declare const console: { log(...a: unknown[]): void; info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };`;

/**
 * Type-checks `entry` among `files` (strict, ES2022, bundler resolution) with the TypeScript
 * compiler API, in memory.
 * @returns the compiler's messages as `path:line:column: message`; empty when it type-checks.
 */
export function typeCheck(files: VirtualFiles, entry: string): string[] {
  const root = '/toolscript-check/';
  const options = STRICT_CHECK_OPTIONS;
  const all = new Map([...files].map(([path, source]) => [root + path, source]));
  all.set(`${root}globals.d.ts`, GLOBALS);
  const host = ts.createCompilerHost(options);
  // Only the virtual files and TypeScript's own lib files exist for the checker: an import of a
  // host path (e.g. '/etc/app/secrets.ts') resolves to nothing, so no host file is ever read.
  const libDir = dirname(ts.getDefaultLibFilePath(options));
  const isLib = isTypeScriptLib;
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language) => {
    const source = all.get(name);
    if (source !== undefined) return ts.createSourceFile(name, source, language);
    return isLib(name) ? getSourceFile(name, language) : undefined;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => all.has(name) || (isLib(name) && fileExists(name));
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => all.get(name) ?? (isLib(name) ? readFile(name) : undefined);
  host.directoryExists = (name) => {
    const prefix = name.endsWith('/') ? name : `${name}/`;
    return [...all.keys()].some((path) => path.startsWith(prefix)) || name === libDir;
  };
  host.getDirectories = () => [];
  host.realpath = (name) => name;
  const program = ts.createProgram([root + entry, `${root}globals.d.ts`], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName.replace(root, '')}:${line + 1}:${character + 1}: ${message}`;
  });
}
