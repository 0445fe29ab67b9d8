/**
 * The dashboard's approvals (`PageApprovals`): questions go to every open page, are answered once,
 * and close when answered, given up or cancelled.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../src/approvals/approvals.js';
import { type PageApprovalEvent, PageApprovals } from '../src/dashboard/approvals.js';

const REQUEST: ApprovalRequest = {
  session: 'dashboard',
  server: 'filesystem',
  tool: 'create_directory',
  arguments: { path: '/tmp/x' },
};

describe('PageApprovals', () => {
  it('asks every open page, takes the first answer once, and closes the question on every page', async () => {
    const approvals = new PageApprovals();
    expect(approvals.open).toBe(false);
    const first: PageApprovalEvent[] = [];
    const second: PageApprovalEvent[] = [];
    approvals.subscribe((event) => first.push(event));
    const leave = approvals.subscribe((event) => second.push(event));
    expect(approvals.open).toBe(true);
    const answer = approvals.approver(REQUEST, new AbortController().signal);
    const asked = first[0];
    if (asked?.kind !== 'approval') throw new Error(`no question was sent: ${JSON.stringify(first)}`);
    expect(asked.question).toMatchObject({ server: 'filesystem', tool: 'create_directory' });
    expect(asked.question.message).toContain('path: "/tmp/x"');
    expect(second).toEqual(first);
    expect(approvals.answer(asked.question.id, true)).toBe(true);
    expect(await answer).toBe('accept');
    // Answered once: a second answer finds nothing waiting.
    expect(approvals.answer(asked.question.id, false)).toBe(false);
    expect(first.at(-1)).toEqual({ kind: 'approval-closed', id: asked.question.id });
    leave();
    expect(second).toHaveLength(2);
  });

  it('shows a page that opens later the questions still waiting, and declines on the page', async () => {
    const approvals = new PageApprovals();
    approvals.subscribe(() => {});
    const answer = approvals.approver(REQUEST, new AbortController().signal);
    const late: PageApprovalEvent[] = [];
    approvals.subscribe((event) => late.push(event));
    const asked = late[0];
    if (asked?.kind !== 'approval') throw new Error('the late page got no question');
    approvals.answer(asked.question.id, false);
    expect(await answer).toBe('decline');
  });

  it('gives up when the wait is aborted (timeout or cancellation), and declines with no page open', async () => {
    const approvals = new PageApprovals();
    const events: PageApprovalEvent[] = [];
    approvals.subscribe((event) => events.push(event));
    const controller = new AbortController();
    const answer = approvals.approver(REQUEST, controller.signal);
    controller.abort();
    expect(await answer).toBe('cancel');
    expect(events.map((e) => e.kind)).toEqual(['approval', 'approval-closed']);
    expect(await new PageApprovals().approver(REQUEST, new AbortController().signal)).toBe('cancel');
  });
});
