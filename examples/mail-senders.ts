// Reads every message in mail/ and returns the subjects of spam and the busiest ham senders.
import { listAllowedDirectories, listDirectory, readMultipleFiles } from './servers/filesystem';

const { content } = (await listAllowedDirectories()) as { content: string };
const root = content.split('\n')[1];

async function readFolder(folder: string): Promise<string[]> {
  const listing = (await listDirectory({ path: `${root}/mail/${folder}` })) as { content: string };
  const paths = listing.content
    .split('\n')
    .filter((line) => line.startsWith('[FILE]'))
    .map((line) => `${root}/mail/${folder}/${line.slice(7)}`);
  const { content: joined } = (await readMultipleFiles({ paths })) as { content: string };
  return joined.split('\n---\n');
}

const header = (mail: string, name: string) =>
  mail.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1]?.trim() ?? '';
const ham = await readFolder('ham');
const spam = await readFolder('spam');
const senders = new Map<string, number>();
for (const mail of ham) {
  const from = header(mail, 'From').replace(/.*<(.+)>.*/, '$1');
  senders.set(from, (senders.get(from) ?? 0) + 1);
}
console.log(`read ${ham.length} ham and ${spam.length} spam messages`);
export default {
  spamSubjects: spam.map((mail) => header(mail, 'Subject')),
  topHamSenders: [...senders].sort((a, b) => b[1] - a[1]).slice(0, 3),
};
