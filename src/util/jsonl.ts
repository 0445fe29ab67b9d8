import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** An append-only JSON-lines file (one object per line, mode 0600), its folder made on first write. */
export class JsonLinesLog<T> {
  private ready: Promise<unknown> | undefined;

  constructor(readonly file: string) {}

  /** Appends one entry. */
  async record(entry: T): Promise<void> {
    this.ready ??= mkdir(dirname(this.file), { recursive: true });
    await this.ready;
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  /** Every entry of `file`, oldest first; none when the file does not exist. */
  static async readEntries<T>(file: string): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  }
}
