/**
 * PII detector benchmark: precision and recall per detector on a labelled sample (generated
 * contacts with real checksum rules, plus SSNs, IP addresses and secrets) and a set of tricky
 * negatives (versions, dates, order ids, hashes, UUIDs…); and tokenization throughput.
 *
 * Run: npm run bench:pii
 */
import { en, en_US, Faker } from '@faker-js/faker';
import { detectPii, PII_TYPES, type PiiType } from '../src/pii/detectors.js';
import { PiiVault } from '../src/pii/vault.js';
import { makeContacts, NEGATIVES } from '../test/support/contacts.js';

const faker = new Faker({ locale: [en_US, en] });
faker.seed(2026);
const samples: { text: string; labels: { type: PiiType; value: string }[] }[] = [];
const contacts = makeContacts(500, 99);
const templates = ['Contact {v} for details.', 'sent by {v} yesterday', '({v})', 'value: {v}', '{v}'];
const add = (type: PiiType, value: string) =>
  samples.push({
    text: (faker.helpers.arrayElement(templates) as string).replace('{v}', value),
    labels: [{ type, value }],
  });
for (const c of contacts) {
  add('EMAIL', c.email);
  add('PHONE', c.phone);
  add('CARD', c.card);
  add('IBAN', c.iban);
}
for (let i = 0; i < 500; i++) {
  const area = faker.number.int({ min: 1, max: 899 });
  if (area === 666) continue;
  add(
    'SSN',
    `${String(area).padStart(3, '0')}-${String(faker.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(faker.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`,
  );
  add('IP', i % 2 ? faker.internet.ipv4() : faker.internet.ipv6());
}
for (let i = 0; i < 200; i++) {
  const body = faker.string.alphanumeric(36);
  add(
    'SECRET',
    faker.helpers.arrayElement([
      `sk-proj-${body}`,
      `ghp_${body}`,
      `AKIA${faker.string.alphanumeric({ length: 16, casing: 'upper' })}`,
    ]),
  );
}
for (const text of NEGATIVES) samples.push({ text, labels: [] });

const stats = new Map<PiiType, { tp: number; fn: number; fp: number }>(
  PII_TYPES.map((t) => [t, { tp: 0, fn: 0, fp: 0 }]),
);
const missed: string[] = [];
for (const sample of samples) {
  const found = detectPii(sample.text);
  for (const label of sample.labels) {
    const s = stats.get(label.type) as { tp: number; fn: number };
    if (found.some((f) => f.type === label.type && f.value === label.value)) s.tp++;
    else {
      s.fn++;
      missed.push(
        `${label.type} ${JSON.stringify(sample.text)} -> ${JSON.stringify(found.map((f) => f.value))}`,
      );
    }
  }
  for (const f of found) {
    if (!sample.labels.some((l) => l.type === f.type && l.value === f.value))
      (stats.get(f.type) as { fp: number }).fp++;
  }
}
console.log(`PII detectors on ${samples.length} labelled samples (${NEGATIVES.length} tricky negatives)\n`);
console.log('| detector | positives | recall | precision | false positives |');
console.log('|---|---:|---:|---:|---:|');
for (const [type, s] of stats) {
  const recall = s.tp + s.fn ? s.tp / (s.tp + s.fn) : 1;
  const precision = s.tp + s.fp ? s.tp / (s.tp + s.fp) : 1;
  console.log(`| ${type} | ${s.tp + s.fn} | ${recall.toFixed(3)} | ${precision.toFixed(3)} | ${s.fp} |`);
}
if (missed.length)
  console.log(`\nMissed (first 5 of ${missed.length}):\n  ${missed.slice(0, 5).join('\n  ')}`);
const negativeHits = NEGATIVES.filter((t) => detectPii(t).length > 0);
console.log(
  `\nNegatives detected: ${negativeHits.length} of ${NEGATIVES.length}${negativeHits.length ? `: ${negativeHits.join('; ')}` : ''}`,
);

const corpus = samples
  .map((s) => s.text)
  .join('\n')
  .repeat(4);
const vault = new PiiVault();
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  vault.tokenizeText(corpus);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const ms = times[2] as number;
console.log(
  `Tokenization: ${(corpus.length / 1024).toFixed(0)} KiB in ${ms.toFixed(1)} ms (median of 5), ${(corpus.length / 1024 / 1024 / (ms / 1000)).toFixed(2)} MiB/s`,
);
