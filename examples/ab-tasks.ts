// Tasks for the A/B harness on the bundled default config (filesystem over examples/data, memory):
//   toolscript ab examples/ab-tasks.ts --model anthropic:claude-sonnet-4-5
// Each checker computes the expected answer from the data itself, so it stays true if the data changes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const data = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

const weather = readFileSync(data('seattle-weather.csv'), 'utf8').trim().split('\n').slice(1);
const rainyDays = weather.filter((line) => line.endsWith(',rain')).length;
const wettestYear = (() => {
  const byYear = new Map<string, number>();
  for (const line of weather) {
    const [date = '', precipitation = '0'] = line.split(',');
    byYear.set(date.slice(0, 4), (byYear.get(date.slice(0, 4)) ?? 0) + Number(precipitation));
  }
  return [...byYear].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
})();
const capitals = JSON.parse(readFileSync(data('us-state-capitals.json'), 'utf8')) as {
  city: string;
  lat: number;
}[];
const northernmost = [...capitals].sort((a, b) => b.lat - a.lat)[0]?.city ?? '';
const spamCount = readdirSync(data('mail/spam')).filter((f) => f.endsWith('.eml')).length;

/** True when the answer contains `n` as a whole number (not as part of a longer one). */
const mentions = (answer: string, n: number | string) =>
  new RegExp(`(^|[^\\d])${String(n).replace(/\./g, '\\.')}([^\\d]|$)`).test(answer.replace(/,/g, ''));

export default [
  {
    name: 'rainy-days',
    prompt: 'In seattle-weather.csv, on how many days was the weather "rain"? Answer with the number.',
    check: (answer: string) => mentions(answer, rainyDays),
  },
  {
    name: 'wettest-year',
    prompt: 'Using seattle-weather.csv, which year had the most total precipitation? Answer with the year.',
    check: (answer: string) => mentions(answer, wettestYear),
  },
  {
    name: 'northernmost-capital',
    prompt: 'Which US state capital in us-state-capitals.json lies furthest north? Answer with the city.',
    check: (answer: string) => answer.includes(northernmost),
  },
  {
    name: 'spam-count',
    prompt: 'How many .eml messages are in the mail/spam folder? Answer with the number.',
    check: (answer: string) => mentions(answer, spamCount),
  },
];
