/**
 * Guest code: run by the Deno runner (./deno-runner.ts) before the script, a budget for memory
 * that V8's heap limit (`--max-old-space-size`) does not see. Array buffers, typed arrays and
 * WebAssembly memories keep their bytes outside the heap, and the OS commits them only when
 * written, so a 1 GB `Uint8Array` was allocated under a 64 MiB limit and the cgroup never saw it.
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
 * Needs `apply`, `encoder` and `exit` from ./protocol-io.ts, and `globalThis.__toolscript_gc`
 * (V8's `--expose-gc-as`; V8 makes it non-configurable, so it stays visible, and a script calling
 * it only collects garbage within its own time limit).
 */
import type { GuestDeno } from './apis.js';

/** From ./protocol-io.ts. */
declare const apply: typeof Reflect.apply;
declare const encoder: TextEncoder;
declare const exit: (code?: number) => never;

// The budget works on values of every kind the script may make: loosely typed on purpose.
type Anything = Record<string | symbol, unknown>;
type Getter = () => number;
type Maker = (...args: unknown[]) => unknown;

/**
 * Installs the budget: `limitBytes` of memory outside V8's heap, read through `memoryUsage`
 * (`Deno.memoryUsage`, taken before `Deno` is removed); past it, `writeErr` (stderr) says so and
 * the process exits with code 70.
 */
function installBufferBudget(
  limitBytes: number,
  memoryUsage: GuestDeno['memoryUsage'],
  writeErr: (bytes: Uint8Array) => void,
): void {
  const global = globalThis as unknown as Anything;
  const collect = global.__toolscript_gc as ((options: object) => void) | undefined;
  const getOwn = Object.getOwnPropertyDescriptor;
  const define = Object.defineProperty;
  const Proxied = Proxy;
  const construct = Reflect.construct;
  const values = Object.values;
  const getter = (target: object, name: string) => getOwn(target, name)?.get as Getter | undefined;
  const bufferBytes = getter(ArrayBuffer.prototype, 'byteLength') as Getter;
  const bufferMax = getter(ArrayBuffer.prototype, 'maxByteLength');
  const sharedBytes = getter(SharedArrayBuffer.prototype, 'byteLength') as Getter;
  const sharedMax = getter(SharedArrayBuffer.prototype, 'maxByteLength');
  const viewBuffer = getter(Object.getPrototypeOf(Uint8Array).prototype, 'buffer') as unknown as () => object;
  const Memory = WebAssembly.Memory;
  const memoryBuffer = getter(Memory.prototype, 'buffer') as unknown as () => object;
  const over = () => {
    writeErr(encoder.encode('toolscript: out of memory: array buffers past the memory limit\n'));
    exit(70);
  };
  // Memory V8 does not count as external: WebAssembly memories, and the room a resizable buffer
  // may still grow into. Each holder's share lives in an object the registry subtracts once the
  // holder is collected.
  let reserved = 0;
  const registry = new FinalizationRegistry<{ bytes: number }>((share) => {
    reserved -= share.bytes;
  });
  const register = FinalizationRegistry.prototype.register;
  const shares = new WeakMap<object, { bytes: number }>();
  const reserve = (holder: object, bytes: number) => {
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
  const check = (bytes: number) => {
    // biome-ignore lint/complexity/useMathMinMax: a script may replace Math.max; a ternary it cannot.
    pending += bytes > 0 ? bytes : 0;
    if (pending < limitBytes / 8) return;
    pending = 0;
    if (memoryUsage().external + reserved <= limitBytes) return;
    if (typeof collect === 'function') collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    if (memoryUsage().external + reserved > limitBytes) over();
  };
  const wrap = (holder: Anything, name: string, measure: (made: object, args: unknown[]) => void) => {
    const Original = holder[name] as Maker & { prototype: object };
    const proxy: object = new Proxied(Original, {
      construct(target, args, newTarget) {
        const made = construct(target, args, newTarget === proxy ? target : newTarget) as object;
        measure(made, args);
        return made;
      },
    });
    define(Original.prototype, 'constructor', { value: proxy, writable: true, configurable: true });
    define(holder, name, { value: proxy, writable: true, configurable: true });
  };
  type After = ((target: object, result: unknown, before: number | undefined) => void) & {
    before?: (target: object) => number;
  };
  const method = (proto: Anything, name: string, after: After) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    define(proto, name, {
      writable: true,
      configurable: true,
      value: function (this: object, ...args: unknown[]) {
        const before = after.before ? after.before(this) : undefined;
        const result = apply(original as Maker, this, args);
        after(this, result, before);
        return result;
      },
    });
  };
  // A buffer: its length now (external to V8) and the room it may still grow into (reserved).
  const buffer = (bytesOf: Getter, maxOf: Getter | undefined) => (made: object) => {
    const now: number = apply(bytesOf, made, []);
    const room = (maxOf ? (apply(maxOf, made, []) as number) : now) - now;
    if (room > 0) reserve(made, room);
    check(now + room);
  };
  wrap(global, 'ArrayBuffer', buffer(bufferBytes, bufferMax));
  wrap(global, 'SharedArrayBuffer', buffer(sharedBytes, sharedMax));
  const grown = (bytesOf: Getter): After => {
    const after: After = (target, _result, before) => {
      const added = (apply(bytesOf, target, []) as number) - (before ?? 0);
      if (added > 0 && shares.has(target)) reserve(target, -added);
      check(added);
    };
    after.before = (target) => apply(bytesOf, target, []);
    return after;
  };
  const arrayBufferProto = ArrayBuffer.prototype as unknown as Anything;
  method(arrayBufferProto, 'resize', grown(bufferBytes));
  method(SharedArrayBuffer.prototype as unknown as Anything, 'grow', grown(sharedBytes));
  method(arrayBufferProto, 'transfer', (_target, made) => buffer(bufferBytes, bufferMax)(made as object));
  method(arrayBufferProto, 'transferToFixedLength', (_target, made) =>
    buffer(bufferBytes, bufferMax)(made as object),
  );
  const isBuffer = (value: object) => {
    try {
      apply(bufferBytes, value, []);
      return true;
    } catch {}
    try {
      apply(sharedBytes, value, []);
      return true;
    } catch {}
    return false;
  };
  for (const name of [
    'Int8Array',
    'Uint8Array',
    'Uint8ClampedArray',
    'Int16Array',
    'Uint16Array',
    'Int32Array',
    'Uint32Array',
    'Float16Array',
    'Float32Array',
    'Float64Array',
    'BigInt64Array',
    'BigUint64Array',
  ]) {
    if (typeof global[name] !== 'function') continue;
    wrap(global, name, (made, args) => {
      // A typed array over a buffer it was given holds no new memory; otherwise its buffer is new.
      const source = args[0];
      if (source !== null && typeof source === 'object' && isBuffer(source)) return;
      check(apply(bufferBytes, apply(viewBuffer, made, []), []));
    });
  }
  // WebAssembly memories: made directly, grown, or made by an instance and exported.
  const memoryBytes = (memory: object): number => apply(bufferBytes, apply(memoryBuffer, memory, []), []);
  const counted = new WeakMap<object, number>();
  const memory = (made: object) => {
    const bytes = memoryBytes(made);
    const added = bytes - (counted.get(made) ?? 0);
    counted.set(made, bytes);
    if (added > 0) reserve(made, added);
    check(added);
  };
  const wasm = WebAssembly as unknown as Anything;
  wrap(wasm, 'Memory', memory);
  method(Memory.prototype as unknown as Anything, 'grow', (target) => memory(target));
  const exported = (instance: object) => {
    for (const value of values((instance as { exports: object }).exports))
      if (value instanceof Memory) memory(value);
  };
  wrap(wasm, 'Instance', exported);
  const instantiate = WebAssembly.instantiate as Maker;
  define(WebAssembly, 'instantiate', {
    writable: true,
    configurable: true,
    value: async (...args: unknown[]) => {
      const result = (await apply(instantiate, WebAssembly, args)) as { instance?: object };
      exported(result.instance ?? result);
      return result;
    },
  });
}
