/**
 * The JSON text of an execution's result, written once per execution: taken from the sandbox
 * (the script's own serialization) or made when the result first needs it, then read by every
 * later step (the output, the answer's metadata, the dashboard's preview) instead of serializing
 * the result again. Held beside the execution object, so a copy of it is serialized anew.
 */
const TEXTS = new WeakMap<object, string>();

/** Records `json` as the text of `execution.result`. */
export function rememberResultJson(execution: object, json: string): void {
  TEXTS.set(execution, json);
}

/**
 * `execution.result` as JSON: the recorded text, else `JSON.stringify` of it.
 * @returns undefined for an `undefined` result (as `JSON.stringify` does).
 */
export function resultJson(execution: { result?: unknown }): string | undefined {
  return TEXTS.get(execution) ?? JSON.stringify(execution.result);
}
