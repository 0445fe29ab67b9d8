/**
 * Guest code: the host's answers to the guest's calls, for both Deno runners (pasted after
 * ./protocol-io.ts). `pending` maps a call's id to what the runner's `answer(pending, message,
 * line)` settles; `listenForAnswers()` reads answer lines from stdin from then on, so a runner
 * calls it only once it has read its run message.
 */
import type { AnswerMessage } from './apis.js';

/** From ./protocol-io.ts. */
declare const parse: typeof JSON.parse;
declare const nextLine: () => Promise<string | undefined>;
/** Each runner's own: settles `pending` with the host's answer. */
declare const answer: (pending: unknown, message: AnswerMessage, line: string) => void;

const pending = new Map<number, unknown>();
let nextId = 0;
let finished = false;
function listenForAnswers(): void {
  void (async () => {
    for (;;) {
      const line = await nextLine();
      if (line === undefined) return;
      const m = parse(line) as AnswerMessage;
      const p = pending.get(m.id);
      if (!p) continue;
      pending.delete(m.id);
      answer(p, m, line);
    }
  })();
}
