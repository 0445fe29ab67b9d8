/**
 * A script thread: runs QuickJS scripts for {@link ThreadedQuickJSSandbox} (see `threads.ts`), so
 * a script that computes for seconds holds this thread only, never the gateway's event loop.
 *
 * Protocol, over the parent port (all plain objects):
 * - in `run` { id, code, limits, hosts, stop }: run a script; `stop` is a 4-byte shared buffer the
 *   parent sets to 1 to cancel it, read by QuickJS's interrupt handler even while the script spins;
 * - in `answer` { id, call, answer }: how a host call ended, as JSON text (`HostAnswerJson`);
 * - in `cancel` { id }: cancel a run that is waiting on host calls;
 * - out `call` { id, call, name, args }: a host call of the script, its arguments as JSON text;
 * - out `module` { id, path, seq }: a module's source is needed now. QuickJS loads modules
 *   synchronously, so the thread blocks (Atomics.wait on `wake`) until the parent answers on the
 *   `sync` port with { seq, source }; an answer with another `seq` came too late and is dropped.
 * - out `done` { id, result }: the run's {@link SandboxRunResult}, its `result` as JSON text
 *   (`json`).
 *
 * `heartbeat` (a shared Float64Array) holds the time of the thread's last turn of its event loop;
 * the parent sends new runs elsewhere while it is stale (a script is computing).
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { RunClock, type SandboxLimits, type SandboxRunResult } from '../contract.js';
import { unpassable } from '../errors.js';
import type { HostAnswerJson } from '../host.js';
import { QuickJSSandbox } from './index.js';
import { useCompiledModule } from './instances.js';

/** What the parent gives a script thread when it starts. */
export interface ThreadData {
  module: WebAssembly.Module;
  heartbeat: SharedArrayBuffer;
  wake: SharedArrayBuffer;
  sync: MessagePort;
}

/** A host call's answer, as JSON text (see `dispatchHostCallJson`). */
type Answer = HostAnswerJson;

export type ToThread =
  | { type: 'run'; id: number; code: string; limits: SandboxLimits; hosts: string[]; stop: SharedArrayBuffer }
  | { type: 'answer'; id: number; call: number; answer: Answer }
  | { type: 'cancel'; id: number }
  /** The parent's {@link RunClock} for the run stopped (`paused: true`) or runs again. */
  | { type: 'clock'; id: number; paused: boolean };

export type FromThread =
  | { type: 'call'; id: number; call: number; name: string; args: string }
  | { type: 'module'; id: number; path: string; seq: number }
  | {
      type: 'done';
      id: number;
      result: Omit<SandboxRunResult, 'result' | 'json'> & { json?: string | undefined };
    };

/** How often the heartbeat is written, in ms. */
const HEARTBEAT_MS = 20;
/** Longest wait for a module's source from the parent, in ms (less when the run's time limit is). */
const MODULE_WAIT_MS = 10_000;

if (parentPort) {
  const port = parentPort;
  const data = workerData as ThreadData;
  useCompiledModule(data.module);
  const beat = new Float64Array(data.heartbeat);
  const wake = new Int32Array(data.wake);
  beat[0] = Date.now();
  setInterval(() => {
    beat[0] = Date.now();
  }, HEARTBEAT_MS).unref();

  const sandbox = QuickJSSandbox.create();
  const runs = new Map<
    number,
    { controller: AbortController; calls: Map<number, (answer: Answer) => void>; clock: RunClock }
  >();
  let calls = 0;
  const post = (message: FromThread) => port.postMessage(message);

  let requests = 0;
  /**
   * Asks the parent for a module's source and blocks until it answers, at most `waitMs`. Each
   * request has a sequence number and a late answer to an earlier one is dropped, so a reply can
   * never be taken for another module's (a busy parent may answer after the wait gave up).
   * @throws when no answer came in time.
   */
  const moduleSource = (id: number, path: string, waitMs: number): string | undefined => {
    const seq = ++requests;
    const deadline = performance.now() + waitMs;
    Atomics.store(wake, 0, 0);
    post({ type: 'module', id, path, seq });
    for (;;) {
      for (let reply = receiveMessageOnPort(data.sync); reply; reply = receiveMessageOnPort(data.sync)) {
        const answer = reply.message as { seq: number; source?: string };
        if (answer.seq === seq) return answer.source;
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(
          `The gateway did not provide module '${path}' within ${Math.round(waitMs / 1000)} s (it is overloaded); run the script again.`,
        );
      Atomics.wait(wake, 0, 0, left);
      Atomics.store(wake, 0, 0);
    }
  };

  const run = async (message: Extract<ToThread, { type: 'run' }>) => {
    const { id } = message;
    const controller = new AbortController();
    const pending = new Map<number, (answer: Answer) => void>();
    const clock = new RunClock();
    runs.set(id, { controller, calls: pending, clock });
    const stop = new Int32Array(message.stop);
    const unused = async () => undefined;
    let result: SandboxRunResult;
    try {
      result = await (await sandbox).run(
        message.code,
        {
          modules: (path) => moduleSource(id, path, Math.min(MODULE_WAIT_MS, message.limits.timeoutMs)),
          hostFunctions: Object.fromEntries(message.hosts.map((name) => [name, unused])),
          limits: message.limits,
          signal: controller.signal,
          clock,
        },
        {
          stop: () => Atomics.load(stop, 0) === 1,
          dispatch: (name, args) =>
            new Promise<Answer>((resolve) => {
              const call = ++calls;
              pending.set(call, resolve);
              post({ type: 'call', id, call, name, args });
            }),
        },
      );
    } catch (error) {
      result = {
        ok: false,
        result: undefined,
        logs: [],
        error: { code: 'RUNTIME_ERROR', message: `The script thread failed: ${String(error)}` },
        ms: 0,
      };
    }
    runs.delete(id);
    // The result travels as JSON text: structured cloning has a stack limit of its own that a
    // value nested thousands deep reaches, and the parent parses where it can answer cleanly.
    const { result: value, json: text, ...rest } = result;
    let json: string | undefined = text;
    try {
      if (json === undefined && value !== undefined) json = JSON.stringify(value);
    } catch (error) {
      post({ type: 'done', id, result: { ...rest, ok: false, error: unpassable(error) } });
      return;
    }
    post({ type: 'done', id, result: { ...rest, json } });
  };

  port.on('message', (message: ToThread) => {
    if (message.type === 'run') void run(message);
    else if (message.type === 'answer') {
      const resolve = runs.get(message.id)?.calls.get(message.call);
      runs.get(message.id)?.calls.delete(message.call);
      resolve?.(message.answer);
    } else if (message.type === 'cancel') runs.get(message.id)?.controller.abort();
    else if (message.type === 'clock') {
      const clock = runs.get(message.id)?.clock;
      if (message.paused) clock?.pause();
      else clock?.resume();
    }
  });
}
