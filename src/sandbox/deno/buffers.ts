/**
 * Source run by the Deno runner before the script (see `runner.ts`): a budget for memory that V8's
 * heap limit (`--max-old-space-size`) does not see. Array buffers, typed arrays and WebAssembly
 * memories keep their bytes outside the heap, and the OS commits them only when written, so a
 * 1 GB `Uint8Array` was allocated under a 64 MiB limit and the cgroup never saw it.
 *
 * Every way to make one goes through a check: the constructors (`ArrayBuffer`,
 * `SharedArrayBuffer`, the typed arrays, `WebAssembly.Memory`) are replaced by proxies that also
 * stand as each prototype's `constructor`, so `slice`, `map`, `from` and subclasses, which make
 * their results through it, are checked too, and so are `transfer` and `WebAssembly.Memory`'s
 * `grow`. Sizes are read from the result (its `byteLength`, or a resizable buffer's
 * `maxByteLength`), so a `length` getter that answers differently twice gains nothing. Once
 * buffers made since the last look add up to an eighth of `limitBytes` (or one alone is that
 * large), V8's own count of the memory outside its heap (`Deno.memoryUsage().external`, which
 * drops as buffers are collected) is read, after a full collection when it is over the limit;
 * still over, the process writes "out of memory" to stderr and exits, which the host reports as
 * `MEMORY_LIMIT`, as it does V8's own heap limit. Garbage made in a loop is collected, not counted.
 * Copies made by other means (`structuredClone`, `TextEncoder`) are bounded by what they copy,
 * and the cgroup caps what is written.
 *
 * Needs, in scope: `apply` (Reflect.apply), `encoder`, `exit`, `errOut` and `writeErr` (taken from
 * `Deno.stderr`), `memoryUsage` (`Deno.memoryUsage`, taken before `Deno` is removed), `limitBytes`;
 * and `globalThis.__toolscript_gc` (V8's `--expose-gc-as`; V8 makes it non-configurable, so it
 * stays visible, and a script calling it only collects garbage within its own time limit).
 */
export const BUFFER_BUDGET = `
{
  const collect = globalThis.__toolscript_gc;
  const getOwn = Object.getOwnPropertyDescriptor;
  const define = Object.defineProperty;
  const Proxied = Proxy;
  const construct = Reflect.construct;
  const values = Object.values;
  const bufferBytes = getOwn(ArrayBuffer.prototype, 'byteLength').get;
  const bufferMax = getOwn(ArrayBuffer.prototype, 'maxByteLength')?.get;
  const sharedBytes = getOwn(SharedArrayBuffer.prototype, 'byteLength').get;
  const sharedMax = getOwn(SharedArrayBuffer.prototype, 'maxByteLength')?.get;
  const viewBuffer = getOwn(Object.getPrototypeOf(Uint8Array).prototype, 'buffer').get;
  const Memory = WebAssembly.Memory;
  const memoryBuffer = getOwn(Memory.prototype, 'buffer').get;
  const over = () => {
    apply(writeErr, errOut, [encoder.encode('toolscript: out of memory: array buffers past the memory limit\\n')]);
    exit(70);
  };
  // Memory V8 does not count as external: WebAssembly memories, and the room a resizable buffer
  // may still grow into. Each holder's share lives in an object the registry subtracts once the
  // holder is collected.
  let reserved = 0;
  const registry = new FinalizationRegistry((share) => { reserved -= share.bytes; });
  const register = FinalizationRegistry.prototype.register;
  const shares = new WeakMap();
  const reserve = (holder, bytes) => {
    let share = shares.get(holder);
    if (!share) {
      share = { bytes: 0 };
      shares.set(holder, share);
      apply(register, registry, [holder, share]);
    }
    share.bytes += bytes;
    reserved += bytes;
  };
  let pending = 0;
  const check = (bytes) => {
    pending += bytes > 0 ? bytes : 0;
    if (pending < limitBytes / 8) return;
    pending = 0;
    if (memoryUsage().external + reserved <= limitBytes) return;
    if (typeof collect === 'function') collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    if (memoryUsage().external + reserved > limitBytes) over();
  };
  const wrap = (holder, name, measure) => {
    const Original = holder[name];
    const proxy = new Proxied(Original, {
      construct(target, args, newTarget) {
        const made = construct(target, args, newTarget === proxy ? target : newTarget);
        measure(made, args);
        return made;
      },
    });
    define(Original.prototype, 'constructor', { value: proxy, writable: true, configurable: true });
    define(holder, name, { value: proxy, writable: true, configurable: true });
  };
  const method = (proto, name, after) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    define(proto, name, { writable: true, configurable: true, value: function (...args) {
      const before = after.before ? after.before(this) : undefined;
      const result = apply(original, this, args);
      after(this, result, before);
      return result;
    } });
  };
  // A buffer: its length now (external to V8) and the room it may still grow into (reserved).
  const buffer = (bytesOf, maxOf) => (made) => {
    const now = apply(bytesOf, made, []);
    const room = (maxOf ? apply(maxOf, made, []) : now) - now;
    if (room > 0) reserve(made, room);
    check(now + room);
  };
  wrap(globalThis, 'ArrayBuffer', buffer(bufferBytes, bufferMax));
  wrap(globalThis, 'SharedArrayBuffer', buffer(sharedBytes, sharedMax));
  const grown = (bytesOf) => {
    const after = (target, _result, before) => {
      const added = apply(bytesOf, target, []) - before;
      if (added > 0 && shares.has(target)) reserve(target, -added);
      check(added);
    };
    after.before = (target) => apply(bytesOf, target, []);
    return after;
  };
  method(ArrayBuffer.prototype, 'resize', grown(bufferBytes));
  method(SharedArrayBuffer.prototype, 'grow', grown(sharedBytes));
  method(ArrayBuffer.prototype, 'transfer', (_target, made) => buffer(bufferBytes, bufferMax)(made));
  method(ArrayBuffer.prototype, 'transferToFixedLength', (_target, made) => buffer(bufferBytes, bufferMax)(made));
  const isBuffer = (value) => {
    try { apply(bufferBytes, value, []); return true; } catch {}
    try { apply(sharedBytes, value, []); return true; } catch {}
    return false;
  };
  for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    if (typeof globalThis[name] !== 'function') continue;
    wrap(globalThis, name, (made, args) => {
      // A typed array over a buffer it was given holds no new memory; otherwise its buffer is new.
      const source = args[0];
      if (source !== null && typeof source === 'object' && isBuffer(source)) return;
      check(apply(bufferBytes, apply(viewBuffer, made, []), []));
    });
  }
  // WebAssembly memories: made directly, grown, or made by an instance and exported.
  const memoryBytes = (memory) => apply(bufferBytes, apply(memoryBuffer, memory, []), []);
  const counted = new WeakMap();
  const memory = (made) => {
    const bytes = memoryBytes(made);
    const added = bytes - (counted.get(made) ?? 0);
    counted.set(made, bytes);
    if (added > 0) reserve(made, added);
    check(added);
  };
  wrap(WebAssembly, 'Memory', memory);
  method(Memory.prototype, 'grow', (target) => memory(target));
  const exported = (instance) => {
    for (const value of values(instance.exports)) if (value instanceof Memory) memory(value);
  };
  wrap(WebAssembly, 'Instance', exported);
  const instantiate = WebAssembly.instantiate;
  define(WebAssembly, 'instantiate', { writable: true, configurable: true, value: async (...args) => {
    const result = await apply(instantiate, WebAssembly, args);
    exported(result.instance ?? result);
    return result;
  } });
}
`;
