import type { Tool } from '@modelcontextprotocol/server';

/**
 * Python bindings of upstream tools, for scripts run with `language: "python"`: one module per
 * server (`from servers.<server> import <tool>`), each tool an `async def` taking keyword
 * arguments named as its `inputSchema` properties (`**kwargs: Unpack[<Tool>Input]`, PEP 692),
 * returning its `outputSchema` as a `TypedDict` when it has one, with `TypedDict` input types (PEP 589; `NotRequired` for optional keys, PEP 655), `Literal`s for
 * enums, and the descriptions as docstrings. Calls go through `toolscript._call`, so arguments
 * are validated and results unwrapped by the bridge exactly as for TypeScript. Pure.
 */

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type'.split(
    ' ',
  ),
);

/** A Python identifier for a server or tool name: other characters become `_`; keywords get a trailing `_`. */
export function pythonName(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (id === '') id = '_';
  return KEYWORDS.has(id) ? `${id}_` : id;
}

/** `read_text_file` → `ReadTextFile`. */
function className(name: string): string {
  return pythonName(name)
    .split('_')
    .filter(Boolean)
    .map((part) => (part[0] as string).toUpperCase() + part.slice(1))
    .join('');
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema | Schema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
  additionalProperties?: boolean | Schema;
  $ref?: string;
  nullable?: boolean;
};

/**
 * Text as a Python docstring: backslashes escaped, and the quotes that could end it early (a run
 * of three, or one at the very end, which would run into the closing quotes); others stay as they
 * are, which keeps the docs short for the model.
 */
function doc(text: string, indent: string): string {
  const clean = text.trim().replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"');
  return `${indent}"""${clean.split('\n').join(`\n${indent}`)}"""`;
}

/** Collects the `TypedDict`s one tool's input needs, and gives Python type expressions. */
class TypeWriter {
  readonly classes: string[] = [];
  private readonly names = new Set<string>();

  type(schema: Schema | undefined, hint: string, depth = 0): string {
    if (!schema || typeof schema !== 'object' || depth > 6) return 'Any';
    if (schema.const !== undefined) return `Literal[${JSON.stringify(schema.const)}]`;
    if (
      Array.isArray(schema.enum) &&
      schema.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))
    )
      return `Literal[${schema.enum.map((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v))).join(', ')}]`;
    const union = schema.anyOf ?? schema.oneOf;
    if (union?.length)
      return [...new Set(union.map((s, i) => this.type(s, `${hint}${i + 1}`, depth + 1)))].join(' | ');
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length > 1) return types.map((t) => this.type({ ...schema, type: t }, hint, depth)).join(' | ');
    switch (types[0]) {
      case 'string':
        return 'str';
      case 'integer':
        return 'int';
      case 'number':
        return 'float';
      case 'boolean':
        return 'bool';
      case 'null':
        return 'None';
      case 'array': {
        const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
        return `list[${this.type(items, `${hint}Item`, depth + 1)}]`;
      }
      case 'object':
        if (schema.properties && Object.keys(schema.properties).length)
          return this.typedDict(schema, hint, depth);
        return 'dict[str, Any]';
      default:
        return schema.properties ? this.typedDict(schema, hint, depth) : 'Any';
    }
  }

  /** A `TypedDict` class for an object schema; its name. Keys that are not identifiers use the functional form. */
  typedDict(schema: Schema, hint: string, depth = 0): string {
    let name = hint;
    for (let n = 2; this.names.has(name); n++) name = `${hint}${n}`;
    this.names.add(name);
    const required = new Set(schema.required ?? []);
    const entries = Object.entries(schema.properties ?? {});
    const field = (key: string, value: Schema) => {
      const type = this.type(value, `${hint}${className(key)}`, depth + 1);
      return required.has(key) ? type : `NotRequired[${type}]`;
    };
    if (entries.every(([key]) => pythonName(key) === key)) {
      const lines = [`class ${name}(TypedDict):`];
      if (schema.description) lines.push(doc(schema.description, '    '));
      for (const [key, value] of entries) {
        lines.push(`    ${key}: ${field(key, value)}`);
        if (value?.description) lines.push(doc(value.description, '    '));
      }
      if (entries.length === 0) lines.push('    pass');
      this.classes.push(lines.join('\n'));
    } else {
      const fields = entries.map(([key, value]) => `${JSON.stringify(key)}: ${field(key, value)}`).join(', ');
      this.classes.push(`${name} = TypedDict(${JSON.stringify(name)}, {${fields}})`);
    }
    return name;
  }
}

/** One tool as Python: its input `TypedDict`(s) and its `async def`, with the description as docstring. */
export function renderPythonTool(server: string, tool: Tool): string {
  const writer = new TypeWriter();
  const fn = pythonName(tool.name);
  const input = writer.typedDict(tool.inputSchema as Schema, `${className(tool.name)}Input`);
  // With an outputSchema the result is its structuredContent (unwrapped as for TypeScript).
  const output = tool.outputSchema
    ? writer.type(tool.outputSchema as Schema, `${className(tool.name)}Output`)
    : 'Any';
  const lines = [
    ...writer.classes,
    '',
    `async def ${fn}(**kwargs: Unpack[${input}]) -> ${output}:`,
    doc(tool.description ?? tool.title ?? tool.name, '    '),
    `    return await _call(${JSON.stringify(server)}, ${JSON.stringify(tool.name)}, kwargs)`,
  ];
  return lines.join('\n');
}

/** The header every server module starts with. */
export const PYTHON_MODULE_HEADER =
  'from typing import Any, Literal, NotRequired, TypedDict, Unpack\nfrom toolscript import _call';

/** One server's module (`servers/<server>.py`): every tool of it. */
export function renderPythonModule(server: string, tools: Tool[], description = ''): string {
  const head = doc(`${server}: ${tools.length} tools${description ? ` (${description})` : ''}.`, '');
  return [head, PYTHON_MODULE_HEADER, ...tools.map((tool) => renderPythonTool(server, tool))].join('\n\n\n');
}

/** The import line a Python script uses for one tool. */
export function pythonImport(server: string, tool: string): string {
  return `from servers.${pythonName(server)} import ${pythonName(tool)}`;
}

/** Type stubs of what the sandbox provides to Python scripts, for editors (`gen --language python`). */
export const PYTHON_STUBS: Record<string, string> = {
  'toolscript/__init__.pyi': `from typing import Any

class ToolError(Exception):
    """A tool call (or a host operation) failed."""
    code: str | None
    """TOOL_ERROR, INVALID_ARGUMENTS, UNKNOWN_TOOL, UPSTREAM_UNAVAILABLE, ..."""
    server: str | None
    tool: str | None
    details: dict[str, Any]

async def _call(server: str, tool: str, args: dict[str, Any]) -> Any: ...
`,
  'toolscript/runtime.pyi': `from typing import Any

class _Workspace:
    """The session's files, kept across executions."""
    async def read_text(self, path: str) -> str: ...
    async def write_text(self, path: str, text: str) -> None: ...
    async def read_json(self, path: str) -> Any: ...
    async def write_json(self, path: str, value: Any) -> None: ...
    async def list(self, folder: str = ".") -> list[str]: ...
    async def remove(self, path: str) -> bool: ...
    async def checkpoint(self, name: str) -> None: ...
    async def restore(self, name: str) -> None: ...

class _State:
    """The session's key-value state, kept across executions."""
    async def get(self, key: str) -> Any: ...
    async def set(self, key: str, value: Any) -> None: ...

workspace: _Workspace
state: _State

async def list_resources(server: str) -> list[dict[str, Any]]: ...
async def read_resource(server: str, uri: str) -> Any: ...
`,
  'servers/__init__.py': '',
};
