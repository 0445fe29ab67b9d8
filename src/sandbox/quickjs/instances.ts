import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as variantModule from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/**
 * QuickJS WebAssembly instances: the module compiled once per process, and instances with linear
 * memory of their own, capped by the WebAssembly engine.
 */

/** WebAssembly page size, in bytes. */
const PAGE_BYTES = 64 * 1024;
/** Linear memory the QuickJS build starts with (its static data, stack and allocator), in MiB. */
const BASE_MEMORY_MB = 16;
/** Most linear memory the QuickJS build declares (32,768 pages), in MiB. */
const MAX_MEMORY_MB = 2048;
/** Idle instances kept per memory limit for reuse; more are dropped after use. */
export const MAX_IDLE_INSTANCES = 4;
/** An instance whose memory grew by more than this (MiB) is dropped after its run, returning it to the OS. */
const REUSE_GROWTH_MB = 16;

let compiled: Promise<WebAssembly.Module> | undefined;

/** Uses a module compiled elsewhere (a script thread gets its parent's, so it never compiles). */
export function useCompiledModule(module: WebAssembly.Module): void {
  compiled = Promise.resolve(module);
}

/** The QuickJS WebAssembly module, compiled once per process. */
export function compiledModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(
    createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
  ).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

/** One QuickJS WebAssembly instance with linear memory of its own, capped at `maxBytes`. */
export interface Instance {
  wasm: QuickJSWASMModule;
  memory: WebAssembly.Memory;
  maxBytes: number;
  /**
   * Set when the allocator asked for more linear memory than the cap allows (the engine refused
   * to grow it); the run that uses the instance clears it first.
   */
  growthRefused: boolean;
  /** UTF-8 bytes the next `newString` of {@link PRE_ENCODED} writes (see {@link newStringArray}). */
  preEncoded: { bytes?: Uint8Array | undefined };
}

/**
 * What `newString` is given when the string's UTF-8 bytes are already at hand: the module's
 * string hooks write those bytes instead (the name cannot be mistaken for a script's string, since
 * the bytes are set only for the one synchronous call).
 */
const PRE_ENCODED = '\u0000toolscript:pre-encoded';

/**
 * A new QuickJS instance whose linear memory may grow to `memoryMb` plus the build's base (at most
 * 2 GiB in all, what the wasm32 build declares). The cap
 * is enforced by the WebAssembly engine: QuickJS's own `setMemoryLimit` cannot see the size of
 * allocations in this build (emscripten has no `malloc_usable_size`), so a script could otherwise
 * allocate gigabytes in a few large buffers. Emscripten's report of a failed assertion while
 * freeing a runtime ("Aborted(…)", see `QuickJSRun.dispose`) is dropped; anything else it prints
 * goes to stderr.
 */
export async function instantiate(memoryMb: number): Promise<Instance> {
  // The variant package is CommonJS; its default export is the variant object.
  const base = (variantModule as unknown as { default: QuickJSSyncVariant }).default;
  const printErr = (text: string) => {
    if (!text.startsWith('Aborted(')) process.stderr.write(`${text}\n`);
  };
  // The build declares at most 2 GiB of linear memory (wasm32): a larger limit is capped there.
  const maxBytes = Math.min(memoryMb + BASE_MEMORY_MB, MAX_MEMORY_MB) * 1024 * 1024;
  const memory = new WebAssembly.Memory({
    initial: (BASE_MEMORY_MB * 1024 * 1024) / PAGE_BYTES,
    maximum: Math.ceil(maxBytes / PAGE_BYTES),
  });
  const wasm = await newQuickJSWASMModuleFromVariant(
    newVariant(base, {
      wasmModule: () => compiledModule(),
      wasmMemory: memory,
      emscriptenModule: { printErr } as never,
    }),
  );
  const preEncoded: Instance['preEncoded'] = {};
  fastStrings((wasm as unknown as { module: EmscriptenStrings }).module, preEncoded);
  const instance: Instance = { wasm, memory, maxBytes, growthRefused: false, preEncoded };
  // Emscripten's allocator grows memory through this object; a refusal means an allocation failed
  // for want of memory, however QuickJS then reports it.
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    try {
      return grow(delta);
    } catch (error) {
      instance.growthRefused = true;
      throw error;
    }
  };
  return instance;
}

/** The parts of the Emscripten module that copy strings into QuickJS's memory (`newString`). */
interface EmscriptenStrings {
  HEAPU8: Uint8Array;
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, maxBytes: number): number;
}

const encoder = new TextEncoder();

/**
 * Copies strings into QuickJS's memory with the engine's UTF-8 encoder instead of Emscripten's
 * JavaScript loop, one character at a time. Medians of 15 `newString` calls on this project's
 * machine: 2 MiB of ASCII JSON in 1.5 ms instead of 11.5; 2.2 MiB with accents and symbols in
 * 10 ms instead of 17. A string with a lone surrogate (which `TextEncoder` would replace with
 * U+FFFD) still takes Emscripten's own path, which keeps it. {@link PRE_ENCODED} writes the bytes
 * in `preEncoded` as they are.
 */
function fastStrings(module: EmscriptenStrings, preEncoded: Instance['preEncoded']): void {
  const length = module.lengthBytesUTF8.bind(module);
  const write = module.stringToUTF8.bind(module);
  const bytesOf = (text: string) => (text === PRE_ENCODED ? preEncoded.bytes : undefined);
  // newString measures a string, then writes it: the check is made once for both.
  let last = '';
  let lastWell = true;
  const wellFormed = (text: string) => {
    if (text !== last) {
      last = text;
      // String.prototype.isWellFormed: in Node since 20, in TypeScript's lib from ES2024.
      lastWell = (text as unknown as { isWellFormed(): boolean }).isWellFormed();
    }
    return lastWell;
  };
  module.lengthBytesUTF8 = (text) =>
    bytesOf(text)?.length ?? (wellFormed(text) ? Buffer.byteLength(text, 'utf8') : length(text));
  module.stringToUTF8 = (text, pointer, maxBytes) => {
    const bytes = bytesOf(text);
    if (bytes && maxBytes > bytes.length) {
      module.HEAPU8.set(bytes, pointer);
      module.HEAPU8[pointer + bytes.length] = 0;
      return bytes.length;
    }
    if (!wellFormed(text) || maxBytes <= 0) return write(text, pointer, maxBytes);
    const { written } = encoder.encodeInto(text, module.HEAPU8.subarray(pointer, pointer + maxBytes - 1));
    module.HEAPU8[pointer + written] = 0;
    // Written: the string need not be held any longer (it may be megabytes).
    last = '';
    return written;
  };
}

/** Loads and compiles the QuickJS WebAssembly module once per process; later calls reuse it. */
export async function loadQuickJS(): Promise<void> {
  await compiledModule();
}

/** True when an instance's memory grew past the build's base by more than 16 MiB (then it is not reused). */
export function hasGrown(instance: Instance): boolean {
  return instance.memory.buffer.byteLength > (BASE_MEMORY_MB + REUSE_GROWTH_MB) * 1024 * 1024;
}

/**
 * A split host answer (see `splitLongStrings` in sandbox/host.ts) as the array the prelude reads:
 * the JSON without the long strings, then each of them, every one a string of its own. A string
 * given as its UTF-8 bytes (a script thread's, see `packAnswer` in threads.ts) is copied into
 * QuickJS's memory as it is, never made a JavaScript string on this side; its bytes must hold no
 * NUL (QuickJS reads the string up to the first).
 */
export function newStringArray(
  instance: Instance,
  context: QuickJSContext,
  texts: (string | Uint8Array)[],
): QuickJSHandle {
  const array = context.newArray();
  for (const [i, text] of texts.entries()) {
    let handle: QuickJSHandle;
    if (typeof text === 'string') handle = context.newString(text);
    else {
      instance.preEncoded.bytes = text;
      try {
        handle = context.newString(PRE_ENCODED);
      } finally {
        instance.preEncoded.bytes = undefined;
      }
    }
    context.setProp(array, i, handle);
    handle.dispose();
  }
  return array;
}
