import { createHash } from 'node:crypto';

/**
 * Identifier sanitising for generated bindings, in one place.
 *
 * - A tool name is split into words at every character that is not a letter or digit and at
 *   lower→upper case changes, then joined as camelCase: `read_text_file` → `readTextFile`,
 *   `get-weread-rank` → `getWereadRank`, `listTools` → `listTools`.
 * - A name that would start with a digit gets a leading `_`; a reserved word gets a trailing `_`;
 *   a name with no letters or digits becomes `tool`.
 * - Collisions (including names equal but for case, which clash as file names on macOS and
 *   Windows) are resolved deterministically: names are processed in sorted order of the original
 *   tool names, the first keeps the plain identifier and later ones get `2`, `3`, … appended.
 */

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await async arguments eval ' +
    'undefined NaN Infinity constructor prototype __proto__ toString valueOf hasOwnProperty'
  ).split(' '),
);

/** Splits a name into words (see module doc). */
export function splitWords(name: string): string[] {
  return name
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** camelCase identifier for a tool name (see module doc); not collision-checked. */
export function toIdentifier(name: string): string {
  const words = splitWords(name);
  if (words.length === 0) return 'tool';
  const [first = '', ...rest] = words;
  let id = (
    first.toLowerCase() + rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('')
  ).replace(/[^\p{ID_Continue}]/gu, '');
  if (!id) return 'tool';
  // Digits (and other characters that may not start a name, such as "⁴") get a leading "_".
  if (!/^\p{ID_Start}/u.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  // Bindings are files named after the identifier: keep it well inside the 255-byte limit of file
  // names (with "Input"/"Output" and ".ts" added, in UTF-8), ending with a hash of the full name.
  if (Buffer.byteLength(id) > MAX_IDENTIFIER_BYTES) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
    const head = Array.from(id);
    while (Buffer.byteLength(head.join('')) > MAX_IDENTIFIER_BYTES - 9) head.pop();
    id = `${head.join('')}_${hash}`;
  }
  return id;
}

/** Longest binding identifier, in UTF-8 bytes (file names allow 255). */
const MAX_IDENTIFIER_BYTES = 120;

/** PascalCase form of an identifier, for type names: `readTextFile` → `ReadTextFile`. */
export function toTypeName(identifier: string): string {
  // json-schema-to-typescript keeps only ASCII letters and digits in type names (it folds
  // accents away), so do the same here and spell other characters as their code points.
  const ascii = identifier
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_]/g, (ch) => `U${(ch.codePointAt(0) ?? 0).toString(16)}`);
  const trimmed = ascii.replace(/^_+/, '');
  // A letter after a digit is upper-cased (`get36kr` → `Get36Kr`), as json-schema-to-typescript does.
  const base = (trimmed.charAt(0).toUpperCase() + trimmed.slice(1)).replace(
    /(\p{N})(\p{Ll})/gu,
    (_match, digit: string, letter: string) => digit + letter.toUpperCase(),
  );
  return /^\p{L}/u.test(base) ? base : `T${base}`;
}

/**
 * Binding identifiers for all tools of one server: original name → unique identifier.
 * Deterministic whatever the input order (see module doc).
 */
export function assignBindingNames(toolNames: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of [...new Set(toolNames)].sort()) {
    const base = toIdentifier(name);
    // Unique as identifiers and as type names (`ünï` and `uni` would both give `UniInput`).
    const key = (id: string) => toTypeName(id).toLowerCase();
    let candidate = base;
    for (let n = 2; taken.has(candidate.toLowerCase()) || taken.has(key(candidate)); n++)
      candidate = `${base}${n}`;
    taken.add(candidate.toLowerCase());
    taken.add(key(candidate));
    result.set(name, candidate);
  }
  return result;
}

/** Path-safe folder name of a server: characters outside `[A-Za-z0-9_.-]` become `-`. */
export function serverFolder(server: string): string {
  return server.replace(/[^\w.-]/g, '-') || 'server';
}
