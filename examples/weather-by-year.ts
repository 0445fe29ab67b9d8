// Reads a 1,461-row CSV inside the sandbox and returns only a per-year summary.
import * as fs from './servers/filesystem';

const { content } = (await fs.listAllowedDirectories()) as { content: string };
const root = content.split('\n')[1]; // "Allowed directories:\n<path>"
const { content: csv } = (await fs.readTextFile({ path: `${root}/seattle-weather.csv` })) as {
  content: string;
};

const byYear = new Map<string, { days: number; rainDays: number; maxTemp: number }>();
for (const line of csv.trim().split('\n').slice(1)) {
  const [date, precipitation, tempMax] = line.split(',');
  const year = date.slice(0, 4);
  const entry = byYear.get(year) ?? { days: 0, rainDays: 0, maxTemp: -Infinity };
  entry.days++;
  if (Number(precipitation) > 0) entry.rainDays++;
  entry.maxTemp = Math.max(entry.maxTemp, Number(tempMax));
  byYear.set(year, entry);
}
export default Object.fromEntries(byYear);
