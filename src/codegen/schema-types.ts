import type { JSONSchema } from 'json-schema-to-typescript';
import { importPeer } from '../util/peers.js';
import { toTypeName } from './names.js';

/**
 * TypeScript declarations for one JSON Schema, via json-schema-to-typescript.
 *
 * The root type is named `typeName`; every named sub-type (titled schemas, `definitions`/`$defs`
 * entries) is prefixed with `typeName`, so the types of many tools never clash when re-exported
 * together. Before compiling, the schema is copied and made safe: `$schema`/`$id` are dropped,
 * references outside the document become `unknown` (nothing is fetched), `tsType` and
 * `tsEnumNames` (which would inject raw TypeScript) are removed, and `*\/` in text is escaped.
 * A schema that still fails to compile yields `type Name = unknown` with a note.
 *
 * @returns declarations (`export interface …` / `export type …`), deterministic for a given schema.
 * @throws {MissingPackageError} when json-schema-to-typescript (an optional peer) is not installed.
 */
export async function schemaToTypeScript(schema: unknown, typeName: string): Promise<string> {
  const prepared = prepare(schema, typeName, true) as JSONSchema;
  // Loaded on first use: only the files `gen` writes need it (an optional peer dependency).
  const { compile } = await importPeer<typeof import('json-schema-to-typescript')>(
    'json-schema-to-typescript',
    "toolscript gen's type files",
  );
  try {
    const code = await compile(prepared, typeName, {
      bannerComment: '',
      format: false,
      additionalProperties: false,
      declareExternallyReferenced: true,
      ignoreMinAndMaxItems: true,
      strictIndexSignatures: false,
      unknownAny: true,
      unreachableDefinitions: false,
      // Titles were already made into unique identifiers by prepare(); keep them exactly.
      customName: (node) => (typeof node.title === 'string' ? node.title : undefined),
      $refOptions: { resolve: { external: false, file: false, http: false } } as never,
    });
    return code.trim();
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .split('\n')[0]
      ?.replace(/\*\//g, '*\\/');
    return `/** The schema could not be turned into a type (${reason}); the value is not checked here. */\nexport type ${typeName} = unknown;`;
  }
}

const DROPPED_KEYS = new Set(['$schema', '$id', 'id', 'tsType', 'tsEnumNames']);

function prepare(node: unknown, prefix: string, root: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => prepare(item, prefix, false));
  if (!node || typeof node !== 'object')
    return typeof node === 'string' ? node.replace(/\*\//g, '*\\/') : node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (DROPPED_KEYS.has(key) && (key !== 'id' || typeof value === 'string')) continue;
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#'))
      return { description: `Reference ${value} (not resolved)` };
    if (
      (key === 'definitions' || key === '$defs') &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      const defs: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(value as Record<string, unknown>)) {
        const prepared = prepare(def, prefix, false);
        if (prepared && typeof prepared === 'object' && !Array.isArray(prepared) && !('title' in prepared)) {
          (prepared as Record<string, unknown>).title = `${prefix}${toTypeName(name)}`;
        }
        defs[name] = prepared;
      }
      out[key] = defs;
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      const properties: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(value as Record<string, unknown>))
        properties[name] = prepare(property, prefix, false);
      out[key] = properties;
      continue;
    }
    if (key === 'title' && typeof value === 'string') {
      out.title = root
        ? prefix
        : `${prefix}${
            toTypeName(
              value
                .replace(/[^\p{L}\p{N}]+/gu, ' ')
                .trim()
                .replace(/ (\p{L})/gu, (_m, c: string) => c.toUpperCase())
                .replace(/ /g, ''),
            ) || 'Part'
          }`;
      continue;
    }
    out[key] =
      key === 'default' || key === 'examples' || key === 'const' || key === 'enum'
        ? value
        : prepare(value, prefix, false);
  }
  if (root) out.title = prefix;
  return out;
}
