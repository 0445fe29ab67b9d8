/**
 * Values frozen all the way down, and their JSON written once: a value the memoized-call cache
 * hands to many scripts is never copied, and never serialized again.
 */

/** Objects frozen by {@link deepFreeze} (with everything in them). */
const DEEP = new WeakSet<object>();
/** JSON text of deeply frozen objects, written on first use. */
const JSON_TEXT = new WeakMap<object, string>();

/** `value` with every object in it frozen; returns `value`. */
export function deepFreeze<T>(value: T): T {
  if (!value || typeof value !== 'object' || DEEP.has(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  Object.freeze(value);
  DEEP.add(value);
  return value;
}

/**
 * `JSON.stringify(value)`, remembered for a value {@link deepFreeze} froze (it cannot change).
 * @throws what `JSON.stringify` throws.
 */
export function jsonText(value: unknown): string {
  if (!value || typeof value !== 'object' || !DEEP.has(value)) return JSON.stringify(value);
  let text = JSON_TEXT.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    JSON_TEXT.set(value, text);
  }
  return text;
}
