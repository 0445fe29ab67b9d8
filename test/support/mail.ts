import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EASY_HAM } from './servers.js';

/** Sender domain of a raw message ("From: … <user@host>" or "From: user@host"). */
export function senderDomain(mail: string): string {
  const from = mail.match(/^From: (.*)$/m)?.[1] ?? '';
  return (from.match(/@([\w.-]+)/)?.[1] ?? '').toLowerCase();
}

/**
 * The answer the 400-mail workflows must return, computed here from the corpus: the `top` sender
 * domains of the first `count` messages (by file name) with their counts, most first, then by name.
 */
export function topSenderDomains(count = 400, top = 5): [string, number][] {
  const files = readdirSync(EASY_HAM)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .slice(0, count);
  const counts = new Map<string, number>();
  for (const file of files) {
    const domain = senderDomain(readFileSync(join(EASY_HAM, file), 'utf8'));
    counts.set(domain, (counts.get(domain) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
}
