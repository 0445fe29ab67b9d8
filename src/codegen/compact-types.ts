import { toTypeName } from './names.js';

/**
 * Compact TypeScript for JSON Schema, written for a model to read: one inline type expression, with
 * each description as a `/** … *\/` comment right where it applies (on the property, on a union
 * member, before an array's item type). No aliases are made except for recursive `$ref`s, which
 * become `type <Prefix><Definition> = …` declarations so recursion is kept, not cut.
 *
 * Covers draft-07 and 2020-12 as tools use them: `type` (also as an array), `enum`, `const`,
 * `properties` / `required` / `additionalProperties` / `patternProperties`, `items` (also as a
 * tuple) / `prefixItems`, `anyOf` / `oneOf` / `allOf`, local `$ref` (`#`, `#/$defs/…`,
 * `#/definitions/…`, any JSON pointer) and OpenAPI's `nullable`. Anything else (formats, bounds,
 * patterns) is left to the gateway's argument validation. A `$ref` outside the document is
 * `unknown`: nothing is fetched.
 */
export interface CompactTypes {
  /** The type expression of the schema, indented for nesting at `indent` (two spaces per level). */
  type: string;
  /** `type Name = …;` declarations for recursive references, in first-use order. */
  declarations: string[];
}

/** Nesting deeper than this renders as `unknown` (a guard for pathological schemas). */
const MAX_DEPTH = 24;
/** An object whose one-line form is at most this long, and has no descriptions, stays on one line. */
const ONE_LINE = 72;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

type Schema = Record<string, unknown>;

/**
 * Renders `schema` compactly (see {@link CompactTypes}).
 * @param prefix type-name prefix for recursive declarations, e.g. `DirectoryTree` gives
 *   `DirectoryTreeEntry`; a recursive root is named `<prefix><rootName>`.
 * @param rootName suffix of the root's name when the root itself recurses (`Input`, `Output`).
 */
export function compactType(schema: unknown, prefix: string, rootName = 'Root'): CompactTypes {
  // First pass: find which references recurse. Second: render, naming only those.
  const probe = new Renderer(schema, prefix, rootName, new Set());
  probe.render(schema, '', 0);
  const renderer = new Renderer(schema, prefix, rootName, probe.recursive);
  const type = renderer.render(schema, '', 0);
  return { type, declarations: renderer.declare() };
}

/** A description as one line, safe inside a block comment. */
function commentText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}

function doc(description: unknown): string {
  return typeof description === 'string' && description.trim() ? `/** ${commentText(description)} */ ` : '';
}

class Renderer {
  readonly recursive = new Set<string>();
  private readonly names = new Map<string, string>();
  private readonly stack: string[] = [];
  /** Nodes that recursive references point at, so reaching one by structure also uses its name. */
  private readonly targets = new Map<unknown, string>();
  /** The target whose declaration is being rendered (it is not replaced by its own name). */
  private declaring: unknown;

  constructor(
    private readonly root: unknown,
    private readonly prefix: string,
    private readonly rootName: string,
    private readonly named: Set<string>,
  ) {
    for (const ref of named) {
      const target = this.resolve(ref);
      if (target && typeof target === 'object') this.targets.set(target, ref);
    }
  }

  /** `type Name = …;` for every named (recursive) reference used, each rendered once. */
  declare(): string[] {
    const out: string[] = [];
    const done = new Set<string>();
    for (
      let pending = [...this.names.keys()];
      pending.length;
      pending = [...this.names.keys()].filter((r) => !done.has(r))
    ) {
      for (const ref of pending) {
        done.add(ref);
        this.stack.push(ref);
        this.declaring = this.resolve(ref);
        const body = this.render(this.declaring, '', 1);
        this.stack.pop();
        out.push(`type ${this.names.get(ref)} = ${body};`);
      }
    }
    return out;
  }

  render(node: unknown, indent: string, depth: number): string {
    if (node === true || node === undefined) return 'unknown';
    if (node === false) return 'never';
    if (!node || typeof node !== 'object' || Array.isArray(node) || depth > MAX_DEPTH) return 'unknown';
    const named = this.targets.get(node);
    if (named !== undefined) {
      if (this.declaring === node) this.declaring = undefined;
      else return this.nameOf(named);
    }
    const schema = node as Schema;
    const base = this.base(schema, indent, depth);
    const parts = base === undefined ? [] : [base];
    for (const key of ['anyOf', 'oneOf'] as const) {
      const members = schema[key];
      if (Array.isArray(members) && members.length) parts.push(this.union(members, indent, depth));
    }
    if (Array.isArray(schema.allOf)) {
      for (const member of schema.allOf) {
        const rendered = this.render(member, indent, depth + 1);
        if (rendered !== 'unknown') parts.push(wrap(rendered));
      }
    }
    const meaningful = parts.filter((part) => part !== 'unknown');
    let type =
      meaningful.length === 0
        ? 'unknown'
        : meaningful.length === 1
          ? (meaningful[0] as string)
          : meaningful.map(wrap).join(' & ');
    if (schema.nullable === true && type !== 'unknown' && !/(^|\| )null$/.test(type))
      type = `${wrap(type)} | null`;
    return type;
  }

  /** The schema without its combinators; `undefined` when it says nothing on its own. */
  private base(schema: Schema, indent: string, depth: number): string | undefined {
    if (typeof schema.$ref === 'string') return this.reference(schema.$ref, indent, depth);
    if ('const' in schema) return literal(schema.const);
    if (Array.isArray(schema.enum))
      return schema.enum.length ? [...new Set(schema.enum.map(literal))].join(' | ') : 'never';
    const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
    const objectLike =
      schema.properties !== undefined ||
      schema.additionalProperties !== undefined ||
      schema.patternProperties !== undefined;
    const arrayLike = schema.items !== undefined || schema.prefixItems !== undefined;
    if (types.length === 0) {
      if (objectLike) return this.object(schema, indent, depth);
      if (arrayLike) return this.array(schema, indent, depth);
      return undefined;
    }
    const rendered = types.map((type) => {
      switch (type) {
        case 'string':
        case 'boolean':
        case 'null':
          return type;
        case 'number':
        case 'integer':
          return 'number';
        case 'object':
          return this.object(schema, indent, depth);
        case 'array':
          return this.array(schema, indent, depth);
        default:
          return 'unknown';
      }
    });
    return [...new Set(rendered)].join(' | ');
  }

  private union(members: unknown[], indent: string, depth: number): string {
    const rendered: string[] = [];
    for (const member of members) {
      const type = this.render(member, indent, depth + 1);
      const note = member && typeof member === 'object' ? doc((member as Schema).description) : '';
      const text = `${note}${wrap(type)}`;
      if (type === 'unknown' && !note) return 'unknown';
      if (!rendered.includes(text)) rendered.push(text);
    }
    return rendered.join(' | ');
  }

  private object(schema: Schema, indent: string, depth: number): string {
    const inner = `${indent}  `;
    const properties =
      schema.properties && typeof schema.properties === 'object' && !Array.isArray(schema.properties)
        ? (schema.properties as Record<string, unknown>)
        : {};
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
    const members: string[] = [];
    let described = false;
    for (const [name, property] of Object.entries(properties)) {
      const note = property && typeof property === 'object' ? doc((property as Schema).description) : '';
      described ||= note !== '';
      const key = IDENTIFIER.test(name) ? name : JSON.stringify(name);
      members.push(
        `${note}${key}${required.has(name) ? '' : '?'}: ${this.render(property, inner, depth + 1)}`,
      );
    }
    for (const name of required) {
      if (!(name in properties))
        members.push(`${IDENTIFIER.test(name) ? name : JSON.stringify(name)}: unknown`);
    }
    const extra = schema.additionalProperties;
    const patterns = schema.patternProperties !== undefined;
    if (members.length === 0) {
      if (extra === false && !patterns) return 'Record<string, never>';
      const value =
        extra && typeof extra === 'object' && !patterns ? this.render(extra, indent, depth + 1) : 'unknown';
      const note = extra && typeof extra === 'object' ? doc((extra as Schema).description) : '';
      return `Record<string, ${note}${value}>`;
    }
    // Declared extras are typed `unknown`: an index signature must admit every property's type.
    if ((extra !== undefined && extra !== false) || patterns) members.push('[key: string]: unknown');
    const line = `{ ${members.join('; ')} }`;
    if (!described && !line.includes('\n') && line.length <= ONE_LINE) return line;
    return `{\n${members.map((m) => `${inner}${m};`).join('\n')}\n${indent}}`;
  }

  private array(schema: Schema, indent: string, depth: number): string {
    const tuple = Array.isArray(schema.prefixItems)
      ? schema.prefixItems
      : Array.isArray(schema.items)
        ? schema.items
        : undefined;
    if (tuple)
      return `[${tuple.map((item) => `${this.itemDoc(item)}${this.render(item, indent, depth + 1)}`).join(', ')}]`;
    const items = schema.items;
    return `${this.itemDoc(items)}${wrap(this.render(items, indent, depth + 1))}[]`;
  }

  private itemDoc(item: unknown): string {
    return item && typeof item === 'object' && !Array.isArray(item) ? doc((item as Schema).description) : '';
  }

  private reference(ref: string, indent: string, depth: number): string {
    if (!ref.startsWith('#')) return 'unknown';
    const target = this.resolve(ref);
    if (target === undefined) return 'unknown';
    if (this.named.has(ref)) return this.nameOf(ref);
    if (this.stack.includes(ref)) {
      this.recursive.add(ref);
      return 'unknown';
    }
    this.stack.push(ref);
    try {
      return this.render(target, indent, depth + 1);
    } finally {
      this.stack.pop();
    }
  }

  private nameOf(ref: string): string {
    let name = this.names.get(ref);
    if (!name) {
      const last = ref === '#' ? this.rootName : decodePointer(ref.split('/').pop() ?? '');
      const base = `${this.prefix}${toTypeName(last.replace(/[^\p{L}\p{N}]+/gu, '_')) || 'Part'}`;
      name = base;
      for (let i = 2; [...this.names.values()].includes(name); i++) name = `${base}${i}`;
      this.names.set(ref, name);
    }
    return name;
  }

  /** The node a local JSON pointer (`#`, `#/$defs/Node`) names, or `undefined`. */
  private resolve(ref: string): unknown {
    let node: unknown = this.root;
    for (const segment of ref.slice(1).split('/').slice(1)) {
      if (!node || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[decodePointer(segment)];
    }
    return node;
  }
}

function decodePointer(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {}
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A JSON value as a TypeScript literal type (objects and arrays give object and tuple types). */
function literal(value: unknown): string {
  if (value === undefined) return 'unknown';
  const text = JSON.stringify(value);
  return text === undefined ? 'unknown' : text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Parenthesizes a union or intersection, so it can be an array item or an intersection member. */
function wrap(type: string): string {
  if (!/[|&]/.test(type)) return type;
  let level = 0;
  let inString = false;
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '/' && type[i + 1] === '*') {
      const end = type.indexOf('*/', i + 2);
      i = end < 0 ? type.length : end + 1;
    } else if (c === '{' || c === '(' || c === '[' || c === '<') level++;
    else if (c === '}' || c === ')' || c === ']' || c === '>') level--;
    else if (level === 0 && (c === '|' || c === '&')) return `(${type})`;
  }
  return type;
}
