import { randomUUID } from 'node:crypto';
import {
  type ApprovalAnswer,
  type ApprovalRequest,
  type Approver,
  approvalMessage,
} from '../approvals/approvals.js';
import type { ApprovalQuestion } from './types.js';

/** What the dashboard's event stream sends about approvals. */
export type PageApprovalEvent =
  | { kind: 'approval'; question: ApprovalQuestion }
  | { kind: 'approval-closed'; id: string };

/**
 * Approvals for the dashboard's playground: its scripts run in the dashboard's session, and a
 * tool in `requireApproval` is put to the person at the page (a dialog) rather than refused as
 * from a client without elicitation. Each question goes to every open dashboard page (over its
 * event stream, behind the dashboard's own token and origin checks) and is answered once. The
 * dashboard gives a run this approver only while a page is {@link PageApprovals.open}, so a run
 * with no page open (the API called by hand) fails with `APPROVAL_REQUIRED`, as from any client
 * that cannot ask; a question that finds no page after all (the last one just closed) is declined.
 * `approvals.timeoutMs` and the script's cancellation end the wait through the approver's signal,
 * and the pages close the dialog.
 */
export class PageApprovals {
  private readonly pending = new Map<
    string,
    { question: ApprovalQuestion; answer: (value: ApprovalAnswer) => void }
  >();
  private readonly pages = new Set<(event: PageApprovalEvent) => void>();

  /** The session's approver (see `GatewaySessionOptions.onApproval`). */
  readonly approver: Approver = (request: ApprovalRequest, signal: AbortSignal) =>
    new Promise<ApprovalAnswer>((resolve) => {
      if (this.pages.size === 0 || signal.aborted) return resolve('cancel');
      const question: ApprovalQuestion = {
        id: randomUUID(),
        server: request.server,
        tool: request.tool,
        message: approvalMessage(request),
      };
      const settle = (value: ApprovalAnswer) => {
        if (!this.pending.delete(question.id)) return;
        signal.removeEventListener('abort', aborted);
        this.send({ kind: 'approval-closed', id: question.id });
        resolve(value);
      };
      const aborted = () => settle('cancel');
      signal.addEventListener('abort', aborted, { once: true });
      this.pending.set(question.id, { question, answer: settle });
      this.send({ kind: 'approval', question });
    });

  /** True while at least one dashboard page listens for questions. */
  get open(): boolean {
    return this.pages.size > 0;
  }

  /**
   * Adds an open page: `send` gets every question from now on, and the ones still waiting at once.
   * @returns the function that removes the page.
   */
  subscribe(send: (event: PageApprovalEvent) => void): () => void {
    this.pages.add(send);
    for (const { question } of this.pending.values()) send({ kind: 'approval', question });
    return () => this.pages.delete(send);
  }

  /**
   * The person's answer to question `id`.
   * @returns false when no such question waits (answered already, timed out, or never asked).
   */
  answer(id: string, approve: boolean): boolean {
    const waiting = this.pending.get(id);
    if (!waiting) return false;
    waiting.answer(approve ? 'accept' : 'decline');
    return true;
  }

  private send(event: PageApprovalEvent): void {
    for (const page of this.pages) page(event);
  }
}
