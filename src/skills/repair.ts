/**
 * Mechanical repairs of a skill's code after its tools changed, made with the TypeScript compiler
 * API: the language service finds every use of a binding (its import, the calls, a namespace's
 * member accesses), and the edits are made at those nodes, so the rest of the code keeps its text.
 * Repaired: a tool renamed (its import and uses), an argument renamed, an optional argument removed
 * that a call passes, a required argument added that has a `default` (the default is passed).
 * Anything else a call depends on (a type changed, an enum narrowed, a required argument without a
 * default) is no mechanical change: the repair names it instead.
 */
import ts from 'typescript';
import type { ToolChange } from '../catalog/changes.js';

/** One tool's changes as a skill sees them. */
export interface ToolRepair {
  /** The server's binding folder (`./servers/<folder>`). */
  folder: string;
  /** The binding identifier the skill was written against, and the tool's identifier now. */
  from: string;
  to: string;
  /** Type names of the old and new binding (`ReadFileInput`, `ReadFileOutput` → …). */
  types: { from: string; to: string }[];
  changes: ToolChange[];
}

/** A repair's result: the new code and what was done, or why it cannot be done. */
export type RepairResult = { ok: true; code: string; done: string[] } | { ok: false; problem: string };

interface Edit {
  start: number;
  end: number;
  text: string;
}

const FILE = '/skill.ts';

/**
 * Rewrites `code` for the tools' changes.
 * @returns the new code with the changes made (in words), or the problem: a change no edit can
 *   make, or a call whose arguments are not an object literal when an argument changed.
 */
export function repairCode(code: string, repairs: readonly ToolRepair[]): RepairResult {
  const service = languageService(code);
  const source = service.getProgram()?.getSourceFile(FILE);
  if (!source) return { ok: false, problem: 'the skill could not be parsed' };
  const edits: Edit[] = [];
  const done: string[] = [];
  for (const repair of repairs) {
    const uses = findUses(service, source, repair);
    for (const change of repair.changes) {
      const problem = applyChange(source, repair, uses, change, edits);
      if (problem === undefined) continue;
      if (problem) return { ok: false, problem };
      done.push(change.text);
    }
  }
  if (!edits.length) return { ok: true, code, done: [] };
  return { ok: true, code: applyEdits(code, edits), done };
}

/** Uses of one binding: nodes naming it (to rename) and calls of it. */
interface Uses {
  /** Identifiers (and module specifiers) that name the old binding. */
  names: ts.Node[];
  /** Type-only references to the binding's type names. */
  typeNames: { node: ts.Node; to: string }[];
  calls: ts.CallExpression[];
  /** Uses that are not calls (the function passed as a value). */
  other: ts.Node[];
}

function findUses(service: ts.LanguageService, source: ts.SourceFile, repair: ToolRepair): Uses {
  const uses: Uses = { names: [], typeNames: [], calls: [], other: [] };
  const folderSpecifier = new RegExp(
    `^\\./servers/${escapeRegExp(repair.folder)}(?:/(index|[A-Za-z_$][\\w$]*))?(?:\\.[mc]?[jt]s)?$`,
  );
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const match = folderSpecifier.exec(statement.moduleSpecifier.text);
    if (!match) continue;
    const file = match[1];
    if (file && file !== 'index') {
      if (file !== repair.from) continue;
      // `./servers/<folder>/<identifier>`: the path names the binding too.
      uses.names.push(statement.moduleSpecifier);
    }
    const bindings = statement.importClause?.namedBindings;
    if (!bindings) continue;
    if (ts.isNamespaceImport(bindings)) {
      for (const node of references(service, source, bindings.name)) {
        const access = node.parent;
        if (!ts.isPropertyAccessExpression(access) || access.expression !== node) continue;
        if (access.name.text === repair.from) {
          uses.names.push(access.name);
          classify(access, uses);
        }
        const type = repair.types.find((t) => t.from === access.name.text);
        if (type) uses.typeNames.push({ node: access.name, to: type.to });
      }
      continue;
    }
    for (const element of bindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      const type = repair.types.find((t) => t.from === imported);
      if (imported !== repair.from && !type) continue;
      const local = references(service, source, element.name).filter((n) => n !== element.name);
      if (type) {
        if (element.propertyName) uses.typeNames.push({ node: element.propertyName, to: type.to });
        else for (const node of [element.name, ...local]) uses.typeNames.push({ node, to: type.to });
        continue;
      }
      // Renamed with its uses when it has no alias; an alias keeps the skill's own name.
      uses.names.push(element.propertyName ?? element.name);
      if (!element.propertyName) uses.names.push(...local);
      for (const node of local) classify(node, uses);
    }
  }
  return uses;
}

/** Sorts a use of the binding into calls and other uses. */
function classify(node: ts.Node, uses: Uses): void {
  const parent = node.parent;
  if (parent && ts.isCallExpression(parent) && parent.expression === node) uses.calls.push(parent);
  else uses.other.push(node);
}

/** The identifiers that refer to the same symbol as `name` (its declaration included). */
function references(service: ts.LanguageService, source: ts.SourceFile, name: ts.Identifier): ts.Node[] {
  const found = service.getReferencesAtPosition(FILE, name.getStart(source)) ?? [];
  return found.map((ref) => nodeAt(source, ref.textSpan.start)).filter((n): n is ts.Node => n !== undefined);
}

/** The innermost node that starts at `position`. */
function nodeAt(source: ts.SourceFile, position: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node) => {
    if (node.getStart(source) === position && ts.isIdentifier(node)) found = node;
    if (node.pos <= position && position < node.end) ts.forEachChild(node, visit);
  };
  ts.forEachChild(source, visit);
  return found;
}

/**
 * Adds the edits one change needs to `edits`.
 * @returns undefined when the change needs no edit here, `''` when edits were added, else the problem.
 */
function applyChange(
  source: ts.SourceFile,
  repair: ToolRepair,
  uses: Uses,
  change: ToolChange,
  edits: Edit[],
): string | undefined {
  switch (change.kind) {
    case 'tool-renamed': {
      if (!uses.names.length && !uses.typeNames.length) return undefined;
      for (const node of uses.names) {
        if (ts.isStringLiteral(node)) {
          const text = node.text.replace(
            new RegExp(`/${escapeRegExp(repair.from)}(\\.[mc]?[jt]s)?$`),
            `/${repair.to}$1`,
          );
          edits.push(replace(source, node, JSON.stringify(text).replace(/^"|"$/g, quoteOf(source, node))));
        } else edits.push(replace(source, node, repair.to));
      }
      for (const { node, to } of uses.typeNames) edits.push(replace(source, node, to));
      return '';
    }
    case 'argument-renamed':
    case 'argument-removed':
    case 'argument-added':
    case 'argument-required': {
      if (change.kind === 'argument-added' && !change.required) return undefined;
      if (change.kind === 'argument-removed' && change.required)
        return `${change.text}: what it meant has no replacement to pass instead`;
      let edited = false;
      for (const call of uses.calls) {
        const result = editArguments(source, call, change, edits);
        if (typeof result === 'string') return result;
        edited ||= result;
      }
      if (edited) return '';
      if (uses.other.length && change.kind !== 'argument-removed')
        return `${change.text}, and the skill passes \`${repair.from}\` on as a value (${lineOf(source, uses.other[0] as ts.Node)}), so its calls cannot be edited`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Edits one call's argument object for an argument change.
 * @returns true when an edit was added, false when the call needs none, or the problem.
 */
function editArguments(
  source: ts.SourceFile,
  call: ts.CallExpression,
  change: Extract<ToolChange, { argument: string }>,
  edits: Edit[],
): boolean | string {
  const [input] = call.arguments;
  const fallback = 'default' in change ? change.default : undefined;
  const adds = change.kind === 'argument-added' || change.kind === 'argument-required';
  if (adds && fallback === undefined)
    return `${change.text} and has no default, so there is no value to pass for it`;
  if (!input) {
    if (!adds) return false;
    edits.push(insert(call.arguments.pos, `{ ${property(change.argument)}: ${JSON.stringify(fallback)} }`));
    return true;
  }
  if (!ts.isObjectLiteralExpression(input))
    return `${change.text}, and the call at ${lineOf(source, call)} passes its arguments in a value that is not an object literal`;
  const properties = input.properties;
  const index = properties.findIndex((p) => p.name && nameText(p.name) === change.argument);
  if (properties.some((p) => ts.isSpreadAssignment(p)) && index < 0 && !adds)
    return `${change.text}, and the call at ${lineOf(source, call)} spreads its arguments from another object`;
  const found = properties[index];
  if (change.kind === 'argument-renamed') {
    if (!found) return false;
    if (ts.isShorthandPropertyAssignment(found))
      edits.push(replace(source, found, `${property(change.to)}: ${found.name.text}`));
    else if (found.name) edits.push(replace(source, found.name, property(change.to)));
    return true;
  }
  if (change.kind === 'argument-removed') {
    if (!found) return false;
    const next = properties[index + 1];
    const previous = properties[index - 1];
    if (next) edits.push({ start: found.getStart(source), end: next.getStart(source), text: '' });
    else if (previous) edits.push({ start: previous.end, end: found.end, text: '' });
    else edits.push({ start: found.getStart(source), end: found.end, text: '' });
    return true;
  }
  if (found) return false;
  const entry = `${property(change.argument)}: ${JSON.stringify(fallback)}`;
  const last = properties[properties.length - 1];
  edits.push(last ? insert(last.end, `, ${entry}`) : insert(input.getStart(source) + 1, ` ${entry} `));
  return true;
}

/** An object key for `name`: as it is when it is an identifier, else quoted. */
function property(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function nameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

function quoteOf(source: ts.SourceFile, node: ts.Node): string {
  return node.getText(source).startsWith("'") ? "'" : '"';
}

function replace(source: ts.SourceFile, node: ts.Node, text: string): Edit {
  return { start: node.getStart(source), end: node.end, text };
}

function insert(at: number, text: string): Edit {
  return { start: at, end: at, text };
}

function lineOf(source: ts.SourceFile, node: ts.Node): string {
  return `line ${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
}

/** The edits made from the end backwards (each one's positions stay valid); one per position. */
function applyEdits(code: string, edits: Edit[]): string {
  const unique = [...new Map(edits.map((e) => [`${e.start}:${e.end}:${e.text}`, e])).values()];
  unique.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const edit of unique) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A language service over the skill alone (no library, imports unresolved): enough to find references. */
function languageService(code: string): ts.LanguageService {
  const options: ts.CompilerOptions = {
    noLib: true,
    noResolve: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
  };
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [FILE],
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => (name === FILE ? ts.ScriptSnapshot.fromString(code) : undefined),
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: () => '/lib.d.ts',
    fileExists: (name) => name === FILE,
    readFile: (name) => (name === FILE ? code : undefined),
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}
