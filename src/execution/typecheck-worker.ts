import { dirname } from 'node:path';
import ts from 'typescript';
import { isTypeScriptLib, STRICT_CHECK_OPTIONS } from '../skills/analyze.js';

/** One type check: the script and the virtual files it may import (path relative to the root). */
export interface TypecheckTask {
  script: string;
  files: Record<string, string>;
}

/** One compiler diagnostic in the script. */
export interface ScriptDiagnostic {
  /** `script.ts:<line>:<column>: <message>` (1-based line and column). */
  text: string;
  /** True when it is about the arguments of a call to a tool binding (`./servers/…`). */
  argument: boolean;
}

const ROOT = '/toolscript-script/';
const SCRIPT = `${ROOT}script.ts`;
/** What a script sees besides its imports: QuickJS's `console`. */
const GLOBALS = `declare const console: { log(...a: unknown[]): void; info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void; debug(...a: unknown[]): void };`;
/**
 * Not reported: a top-level `return` (toolscript accepts it) and imports of saved skills (their
 * types are not part of the check).
 */
const IGNORED = new Set([1108]);

/**
 * Strict, except that an unannotated parameter may be `any`: scripts are often plain JavaScript,
 * and a missing annotation is not a mistake worth a turn.
 */
const OPTIONS: ts.CompilerOptions = {
  ...STRICT_CHECK_OPTIONS,
  noImplicitAny: false,
  allowImportingTsExtensions: true,
};

const files = new Map<string, { text: string; version: number }>([
  [`${ROOT}globals.d.ts`, { text: GLOBALS, version: 1 }],
]);
const libDir = dirname(ts.getDefaultLibFilePath(OPTIONS));
const isLib = isTypeScriptLib;

/**
 * A language service kept warm across checks: lib files are parsed once, and a binding file is
 * parsed again only when its text changed. Only the virtual files and TypeScript's own lib files
 * exist for it, so no host file is ever read for a script.
 */
const service = ts.createLanguageService(
  {
    getCompilationSettings: () => OPTIONS,
    getScriptFileNames: () => [SCRIPT, `${ROOT}globals.d.ts`],
    getScriptVersion: (name) => String(files.get(name)?.version ?? 0),
    getScriptSnapshot: (name) => {
      const file = files.get(name);
      if (file) return ts.ScriptSnapshot.fromString(file.text);
      if (isLib(name)) {
        const text = ts.sys.readFile(name);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      }
      return undefined;
    },
    getCurrentDirectory: () => ROOT,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: (name) => files.has(name) || (isLib(name) && ts.sys.fileExists(name)),
    readFile: (name) => files.get(name)?.text ?? (isLib(name) ? ts.sys.readFile(name) : undefined),
    directoryExists: (name) =>
      name === libDir || [...files.keys()].some((path) => path.startsWith(`${name.replace(/\/$/, '')}/`)),
    getDirectories: () => [],
    realpath: (name) => name,
  },
  ts.createDocumentRegistry(),
);

function put(path: string, text: string): void {
  const known = files.get(path);
  if (known?.text === text) return;
  files.set(path, { text, version: (known?.version ?? 0) + 1 });
}

/** Checks one script (see {@link TypecheckTask}); the answer lists the script's diagnostics. */
export default function check(task: TypecheckTask): ScriptDiagnostic[] {
  const wanted = new Set([SCRIPT, `${ROOT}globals.d.ts`, ...Object.keys(task.files).map((p) => ROOT + p)]);
  for (const path of [...files.keys()]) if (!wanted.has(path)) files.delete(path);
  for (const [path, text] of Object.entries(task.files)) put(ROOT + path, text);
  put(SCRIPT, task.script);
  const diagnostics = [...service.getSyntacticDiagnostics(SCRIPT), ...service.getSemanticDiagnostics(SCRIPT)];
  const program = service.getProgram();
  const source = program?.getSourceFile(SCRIPT);
  const checker = program?.getTypeChecker();
  return diagnostics
    .filter(
      (d) => !IGNORED.has(d.code) && !(d.code === 2307 && /['"]\.\/skills\//.test(String(d.messageText))),
    )
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      const where =
        source && d.start !== undefined ? source.getLineAndCharacterOfPosition(d.start) : undefined;
      return {
        text: where ? `script.ts:${where.line + 1}:${where.character + 1}: ${message}` : message,
        argument: Boolean(
          source && checker && d.start !== undefined && inBindingArguments(source, checker, d.start),
        ),
      };
    });
}

/** True when `position` lies in the arguments of a call whose callee is declared in `servers/`. */
function inBindingArguments(source: ts.SourceFile, checker: ts.TypeChecker, position: number): boolean {
  let node: ts.Node | undefined = innermost(source, position);
  for (; node; node = node.parent) {
    if (!ts.isCallExpression(node)) continue;
    if (position < node.arguments.pos || position > node.arguments.end) continue;
    let symbol = checker.getSymbolAtLocation(
      ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression,
    );
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const declared = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
    if (declared.startsWith(`${ROOT}servers/`)) return true;
  }
  return false;
}

function innermost(node: ts.Node, position: number): ts.Node {
  for (const child of node.getChildren()) {
    if (position >= child.getStart() && position < child.getEnd()) return innermost(child, position);
  }
  return node;
}
