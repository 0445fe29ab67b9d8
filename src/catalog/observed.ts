import { createRequire } from 'node:module';
import type { Schema } from 'genson-js';
import { type SharedStore, ToolFiles, toolKey } from './tool-files.js';

/** genson-js, loaded on the first recorded result (a script without tool calls never needs it). */
let genson: typeof import('genson-js') | undefined;
const gensonjs = () => (genson ??= createRequire(import.meta.url)('genson-js') as typeof import('genson-js'));

/** A result type learnt from calls (see {@link ObservedTypes}), shown when a tool declares no outputSchema. */
export interface ObservedOutput {
  /** JSON Schema of the unwrapped results seen so far. */
  schema: unknown;
  /** Successful calls the schema was inferred from. */
  calls: number;
}

/** Levels of nesting kept; deeper values are typed `unknown`. */
export const MAX_OBSERVED_DEPTH = 5;
/** Properties kept per object; an object with more, or with keys that are not names, is a map. */
export const MAX_OBSERVED_KEYS = 40;
/** Array items sampled per array. */
const MAX_ITEMS = 20;
/** Values visited per result, whatever its size: inference stays cheap on the event loop. */
const MAX_NODES = 2_000;
/** Distinct shapes remembered per tool as already merged; a tool with more infers each new one. */
const MAX_SHAPES = 64;
/** Longest time an observation waits to be written, in ms. */
const SAVE_DELAY_MS = 2_000;
/** Shared folder and channel names in the store. */
const SHARED = 'observed';
/** A key that names a field (not data such as an e-mail address or an id used as a key). */
const FIELD_NAME = /^[\p{L}_$][\p{L}\p{N}_$-]{0,39}$/u;
/** Stands for "any key" while inferring; becomes `additionalProperties`. */
const MAP_KEY = '\u0000map';

/** One tool's observation, as persisted. */
interface Entry {
  server: string;
  tool: string;
  /** The catalog's schema hash when it was observed; another hash drops it. */
  schemaHash: string;
  schema: Schema;
  calls: number;
}

/**
 * Result types learnt from successful calls of tools that declare no `outputSchema`.
 *
 * Each unwrapped result is reduced to its shape first (strings become "", numbers 0 or 0.5,
 * booleans false; at most {@link MAX_OBSERVED_DEPTH} levels, {@link MAX_OBSERVED_KEYS} keys and
 * 20 items per array, 2,000 values in all), so no value is ever kept: only types, and the names of
 * fields. Keys that do not look like field names (an e-mail address, a number) make the object a
 * map (`Record<string, T>`), so data used as keys is not kept either. Shapes are inferred and
 * merged with genson-js (optional fields where a sample lacks one, unions where types differ).
 *
 * Observations are kept per tool and schema hash, and saved, two seconds after the last change, to
 * `<dataDir>/observed-types.json`, or, when a session store is configured, to its shared folder
 * `observed` (merged with what other replicas saw, who then reload).
 */
export class ObservedTypes {
  private readonly entries = new Map<string, Entry>();
  /** What this process saw since the last save, per key, for merging with the store. */
  private readonly pending = new Map<string, Entry>();
  /** Shapes (as JSON of the reduced value) already merged, per key, at one schema hash. */
  private readonly shapes = new Map<string, { schemaHash: string; shapes: Set<string> }>();
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly files: ToolFiles<Entry>;

  /**
   * @param file where observations are saved without a store (`undefined`: kept in memory only).
   * @param store a session store with a shared folder; then the file is not used.
   */
  constructor(file: string | undefined, store?: SharedStore) {
    this.files = new ToolFiles(file, store, SHARED, isEntry);
  }

  /** Loads saved observations; a missing or unreadable file starts empty. */
  async load(): Promise<void> {
    const take = (entries: Map<string, Entry>) => {
      for (const [key, entry] of entries) this.entries.set(key, entry);
    };
    take(await this.files.load(take));
  }

  /** The observed result type of a tool at `schemaHash`, if it was seen since that schema. */
  get(server: string, tool: string, schemaHash: string): ObservedOutput | undefined {
    const entry = this.entries.get(keyOf(server, tool));
    if (!entry || entry.schemaHash !== schemaHash) return undefined;
    return { schema: toJsonSchema(entry.schema, 0), calls: entry.calls };
  }

  /** Adds one successful call's unwrapped result (see the class comment for what is kept). */
  record(server: string, tool: string, schemaHash: string, value: unknown): void {
    const reduced = reduce(value, 0, { nodes: 0 });
    if (reduced === undefined) return;
    const key = keyOf(server, tool);
    // A shape already merged at this schema hash changes nothing but the count: most tools answer
    // in one or a few shapes, and inferring and merging is most of the cost of a call's record.
    const shape = JSON.stringify(reduced);
    const seen = this.shapes.get(key);
    const known = this.entries.get(key);
    const unsaved = this.pending.get(key);
    if (
      seen?.schemaHash === schemaHash &&
      seen.shapes.has(shape) &&
      known?.schemaHash === schemaHash &&
      unsaved?.schemaHash === schemaHash
    ) {
      known.calls += 1;
      unsaved.calls += 1;
    } else {
      const { createSchema, mergeSchemas } = gensonjs();
      const inferred = createSchema(reduced);
      for (const map of [this.entries, this.pending]) {
        const before = map.get(key);
        const fresh = !before || before.schemaHash !== schemaHash;
        map.set(key, {
          server,
          tool,
          schemaHash,
          schema: fresh ? inferred : mergeSchemas([before.schema, inferred]),
          calls: fresh ? 1 : before.calls + 1,
        });
      }
      const shapes = seen?.schemaHash === schemaHash ? seen.shapes : new Set<string>();
      if (shapes.size < MAX_SHAPES) shapes.add(shape);
      this.shapes.set(key, { schemaHash, shapes });
    }
    // Saved SAVE_DELAY_MS after the first unsaved observation: later calls neither postpone the
    // save (a steady stream of calls would put it off for ever) nor make a timer each.
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush().catch(() => {}), SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes what changed now (the owner calls it at shutdown). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.then(() => this.save());
    return this.saving;
  }

  private async save(): Promise<void> {
    if (this.pending.size === 0) return;
    const pending = [...this.pending.values()];
    this.pending.clear();
    const saved = await this.files.save(
      pending,
      () => this.entries.values(),
      (there, seen) =>
        there && there.schemaHash === seen.schemaHash
          ? {
              ...seen,
              schema: gensonjs().mergeSchemas([there.schema, seen.schema]),
              calls: there.calls + seen.calls,
            }
          : seen,
    );
    for (const entry of saved) this.entries.set(keyOf(entry.server, entry.tool), entry);
  }
}

const keyOf = toolKey;

function isEntry(entry: unknown): entry is Entry {
  const e = entry as Entry;
  return (
    Boolean(e) &&
    typeof e.server === 'string' &&
    typeof e.tool === 'string' &&
    typeof e.schemaHash === 'string' &&
    typeof e.calls === 'number' &&
    Boolean(e.schema) &&
    typeof e.schema === 'object'
  );
}

/** The shape of `value` with every value replaced (see {@link ObservedTypes}); `undefined` past the caps. */
function reduce(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (++budget.nodes > MAX_NODES || depth > MAX_OBSERVED_DEPTH) return undefined;
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return '';
    case 'number':
      return Number.isInteger(value) ? 0 : 0.5;
    case 'boolean':
      return false;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (Array.isArray(value)) {
    return value
      .slice(0, MAX_ITEMS)
      .map((item) => reduce(item, depth + 1, budget))
      .filter((item) => item !== undefined);
  }
  const keys = Object.keys(value as object);
  if (keys.length > MAX_OBSERVED_KEYS || keys.some((key) => !FIELD_NAME.test(key))) {
    // A map: its values, under one stand-in key, as an array so their shapes merge.
    const values = Object.values(value as object)
      .slice(0, MAX_ITEMS)
      .map((item) => reduce(item, depth + 1, budget))
      .filter((item) => item !== undefined);
    return { [MAP_KEY]: values };
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const reduced = reduce((value as Record<string, unknown>)[key], depth + 1, budget);
    if (reduced !== undefined) out[key] = reduced;
  }
  return out;
}

/** genson-js's schema as the JSON Schema codegen reads: maps become `additionalProperties`. */
function toJsonSchema(schema: Schema, depth: number): Record<string, unknown> {
  if (depth > MAX_OBSERVED_DEPTH + 1) return {};
  if (schema.anyOf) return { anyOf: schema.anyOf.map((member) => toJsonSchema(member, depth)) };
  const out: Record<string, unknown> = {};
  if (schema.type !== undefined) out.type = schema.type;
  if (schema.items) out.items = toJsonSchema(schema.items, depth + 1);
  const properties = schema.properties ?? {};
  const map = properties[MAP_KEY];
  if (map) {
    // The stand-in holds an array of the map's values.
    out.additionalProperties = map.items ? toJsonSchema(map.items, depth + 1) : {};
    return out;
  }
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, toJsonSchema(property, depth + 1)]),
    );
    if (schema.required?.length) out.required = schema.required;
  }
  return out;
}
