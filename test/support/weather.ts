/**
 * The bundled weather data (examples/data/seattle-weather.csv) and a task on it with a known
 * answer, for tests that drive scripts or agents end to end.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The folder the bundled default config serves with server-filesystem. */
export const DATA_DIR = resolve('examples/data');
/** Daily Seattle weather 2012–2015, one row per day after the header. */
export const WEATHER_CSV = join(DATA_DIR, 'seattle-weather.csv');
/** Days whose `weather` column is `rain`, counted here from the file itself. */
export const RAINY_DAYS = readFileSync(WEATHER_CSV, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .filter((line) => line.endsWith(',rain')).length;

/**
 * A script that counts the rainy days through the `read_text_file` binding of a server-filesystem
 * server imported from `./servers/<server>`, and returns the count.
 */
export function rainyDaysScript(server: string): string {
  return `import * as fs from './servers/${server}';
const file = await fs.readTextFile({ path: ${JSON.stringify(WEATHER_CSV)} });
const text = typeof file === 'string' ? file : (file as { content: string }).content;
export default text.trim().split('\\n').slice(1).filter((l) => l.endsWith(',rain')).length;`;
}
