/**
 * How large a tool result is, in bytes of JSON (UTF-8): measured once, when it arrives through a
 * connection, and read from there by every later step (the bridge's trace), so no step serializes
 * a result again only to size it.
 */

/** Default of `maxResultBytes`: 16 MiB. */
export const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;

/** Sizes of results measured on arrival. */
const RESULT_BYTES = new WeakMap<object, number>();

/**
 * Measures `result` as it arrives and remembers the size.
 * @returns its size in bytes of JSON (UTF-8).
 */
export function measureResult(result: object): number {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  RESULT_BYTES.set(result, bytes);
  return bytes;
}

/** Bytes of a tool result as JSON (UTF-8): as measured on arrival, else measured now. */
export function resultBytes(result: object): number {
  return RESULT_BYTES.get(result) ?? Buffer.byteLength(JSON.stringify(result));
}
