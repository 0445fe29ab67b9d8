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

/**
 * The 400-mail workflow as a TypeScript script, for a server named `mail` (server-filesystem over
 * the corpus): list, read in batches of 50, count sender domains, log the count, answer the top 5.
 */
export const MAIL_TOP_SENDERS_TS = `
      import * as mail from './servers/mail';
      const listing = await mail.listDirectory({ path: ${JSON.stringify(EASY_HAM)} });
      const names = listing.content.split('\\n').filter((l) => l.startsWith('[FILE]') && l.endsWith('.txt'))
        .map((l) => l.slice(7)).sort().slice(0, 400);
      const counts = new Map();
      for (let i = 0; i < names.length; i += 50) {
        const batch = names.slice(i, i + 50).map((n) => ${JSON.stringify(EASY_HAM)} + '/' + n);
        const { content } = await mail.readMultipleFiles({ paths: batch });
        for (const message of content.split('\\n---\\n')) {
          const from = message.match(/^From: (.*)$/m)?.[1] ?? '';
          const domain = (from.match(/@([\\w.-]+)/)?.[1] ?? '').toLowerCase();
          counts.set(domain, (counts.get(domain) ?? 0) + 1);
        }
      }
      console.log('messages read:', names.length);
      export default [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    `;

/** The same workflow as a Python script. */
export const MAIL_TOP_SENDERS_PY = `
import re
from servers.mail import list_directory, read_multiple_files
listing = await list_directory(path=${JSON.stringify(EASY_HAM)})
names = sorted(l[7:] for l in listing["content"].split("\\n") if l.startswith("[FILE]") and l.endswith(".txt"))[:400]
counts = {}
for i in range(0, len(names), 50):
    batch = [${JSON.stringify(EASY_HAM)} + "/" + n for n in names[i:i + 50]]
    content = (await read_multiple_files(paths=batch))["content"]
    for message in content.split("\\n---\\n"):
        line = re.search(r"^From: (.*)$", message, re.M)
        sender = re.search(r"@([\\w.-]+)", line.group(1) if line else "")
        domain = sender.group(1).lower() if sender else ""
        counts[domain] = counts.get(domain, 0) + 1
print("messages read:", len(names))
sorted(([d, n] for d, n in counts.items()), key=lambda x: (-x[1], x[0]))[:5]
`;
