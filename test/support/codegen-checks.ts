import ts from 'typescript';
import type { BindingSpec } from '../../src/codegen/binding.js';

/** Compiler options the units must pass: strict, with the two flags that catch loose optionality. */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  types: [],
  skipLibCheck: true,
};

export interface UnitChecks {
  /** Units without a compile error. */
  compiled: number;
  /** First line of each error, `unit <i>: <message>`. */
  errors: string[];
  /** Enum-valued properties whose type does not list exactly the enum's values. */
  lostEnums: number;
  /** Properties whose `?` disagrees with the schema's `required`. */
  wrongOptional: number;
  problems: string[];
}

/**
 * Compiles each source as its own module in one program. With `specs` (one per source), also
 * walks the last function declaration's first parameter with the checker: every property of the
 * input schema must be there, optional exactly when not required, and an enum (or a union of
 * `const`s) must come out as exactly its literal values. Objects nested in properties are walked
 * too.
 */
export function checkUnits(sources: string[], specs: BindingSpec[] | undefined): UnitChecks {
  const files = new Map(sources.map((source, i) => [`/units/u${i}.ts`, source]));
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (name) => files.get(name) ?? read(name);
  host.fileExists = (name) => files.has(name) || exists(name);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile(name, version, onError)
      : ts.createSourceFile(name, text, version, true);
  };
  const program = ts.createProgram([...files.keys()], OPTIONS, host);
  const checker = program.getTypeChecker();
  const result: UnitChecks = { compiled: 0, errors: [], lostEnums: 0, wrongOptional: 0, problems: [] };
  [...files.keys()].forEach((name, i) => {
    const file = program.getSourceFile(name);
    if (!file) return;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    if (diagnostics.length === 0) result.compiled++;
    else
      result.errors.push(
        `unit ${i}: ${ts.flattenDiagnosticMessageText(diagnostics[0]?.messageText ?? '', ' ')}`,
      );
    const spec = specs?.[i];
    if (!spec) return;
    const fn = file.statements.filter(ts.isFunctionDeclaration).pop();
    const parameter = fn?.parameters[0];
    if (!parameter) {
      if (Object.keys(spec.tool.inputSchema.properties ?? {}).length)
        result.problems.push(`${spec.tool.name}: no input parameter`);
      return;
    }
    const type = checker.getNonNullableType(checker.getTypeAtLocation(parameter));
    walk(checker, type, spec.tool.inputSchema, spec.tool.name, result, 0);
  });
  return result;
}

type Schema = Record<string, unknown>;

function walk(
  checker: ts.TypeChecker,
  type: ts.Type,
  schema: Schema,
  path: string,
  out: UnitChecks,
  depth: number,
): void {
  if (depth > 6 || !schema.properties || typeof schema.properties !== 'object') return;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, property] of Object.entries(schema.properties as Record<string, Schema>)) {
    const symbol = checker.getPropertyOfType(type, name);
    if (!symbol) {
      out.wrongOptional++;
      out.problems.push(`${path}.${name}: missing`);
      continue;
    }
    const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
    if (optional === required.has(name)) {
      out.wrongOptional++;
      out.problems.push(`${path}.${name}: ${optional ? 'optional but required' : 'required but optional'}`);
    }
    if (!property || typeof property !== 'object') continue;
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(symbol));
    const expected = enumValues(property);
    if (expected) {
      const members = propertyType.isUnion() ? propertyType.types : [propertyType];
      const actual = new Set(members.map((m) => literalValue(checker, m)));
      const exact =
        expected.every((v) => actual.has(v)) &&
        [...actual].every((v) => v !== undefined && (expected.includes(v) || v === 'null'));
      if (!exact) {
        out.lostEnums++;
        out.problems.push(
          `${path}.${name}: enum ${expected.join(',')} typed ${checker.typeToString(propertyType)}`,
        );
      }
    }
    if (property.type === 'object' && property.properties && !propertyType.isUnion())
      walk(checker, propertyType, property, `${path}.${name}`, out, depth + 1);
  }
}

/** Values of an `enum`, or of an `anyOf`/`oneOf` made only of `const`s, as JSON text. */
function enumValues(schema: Schema): string[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.filter((v) => v !== null).map((v) => JSON.stringify(v));
  for (const key of ['anyOf', 'oneOf']) {
    const members = schema[key];
    if (
      Array.isArray(members) &&
      members.length &&
      members.every((m) => m && typeof m === 'object' && 'const' in m)
    )
      return members.map((m) => JSON.stringify((m as Schema).const));
  }
  return undefined;
}

function literalValue(checker: ts.TypeChecker, type: ts.Type): string | undefined {
  if (type.isStringLiteral() || type.isNumberLiteral()) return JSON.stringify(type.value);
  const name = checker.typeToString(type);
  if (name === 'true' || name === 'false' || name === 'null') return name;
  return undefined;
}

/** Every `description` string of a tool: its own, and each in its input and output schemas. */
function descriptions(spec: BindingSpec): string[] {
  const found: string[] = [];
  if (spec.tool.description?.trim()) found.push(spec.tool.description);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Schema)) {
      if (key === 'description' && typeof value === 'string' && value.trim()) found.push(value);
      else if (!['enum', 'const', 'default', 'examples'].includes(key)) visit(value);
    }
  };
  visit(spec.tool.inputSchema);
  visit(spec.tool.outputSchema);
  return found;
}

const normalize = (text: string) =>
  text
    .replace(/\*\\\//g, '*/')
    .replace(/\s+/g, ' ')
    .trim();

/** Descriptions that appear nowhere in their tool's unit (whitespace-insensitive), as `tool: text`. */
export function lostDescriptions(specs: BindingSpec[], units: string[]): string[] {
  const lost: string[] = [];
  specs.forEach((spec, i) => {
    const unit = normalize(units[i] ?? '');
    for (const text of descriptions(spec)) {
      if (!unit.includes(normalize(text))) lost.push(`${spec.tool.name}: ${normalize(text).slice(0, 80)}`);
    }
  });
  return lost;
}

/** Indexes of the tools whose input or output schema has a local `$ref` that reaches itself. */
export function recursiveRefs(specs: BindingSpec[]): number[] {
  return specs.flatMap((spec, i) =>
    [spec.tool.inputSchema, spec.tool.outputSchema].some(recurses) ? [i] : [],
  );
}

function recurses(root: unknown): boolean {
  if (!root) return false;
  const refsIn = (node: unknown, into: Set<string>): Set<string> => {
    if (Array.isArray(node)) for (const item of node) refsIn(item, into);
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node as Schema)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) into.add(value);
        else refsIn(value, into);
      }
    return into;
  };
  const resolve = (ref: string): unknown =>
    ref
      .slice(1)
      .split('/')
      .slice(1)
      .reduce<unknown>(
        (node, segment) =>
          node && typeof node === 'object'
            ? (node as Schema)[segment.replace(/~1/g, '/').replace(/~0/g, '~')]
            : undefined,
        root,
      );
  for (const start of refsIn(root, new Set())) {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length) {
      const ref = queue.pop() as string;
      for (const next of refsIn(resolve(ref), new Set())) {
        if (next === start) return true;
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  return false;
}
