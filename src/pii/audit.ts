import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PiiType } from './detectors.js';

/** One untokenization: which tokens went back to real values for which call. Never the value. */
export interface PiiAuditEntry {
  /** ISO 8601 time. */
  time: string;
  session: string;
  server: string;
  tool: string;
  /** Tokens replaced, by type. */
  types: Partial<Record<PiiType, number>>;
}

/** Append-only JSON-lines log of untokenizations. */
export class PiiAuditLog {
  private ready: Promise<unknown> | undefined;

  constructor(readonly file: string) {}

  /** Appends one entry (one JSON object per line). */
  async record(entry: PiiAuditEntry): Promise<void> {
    this.ready ??= mkdir(dirname(this.file), { recursive: true });
    await this.ready;
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  /** Every entry, oldest first; none when the file does not exist. */
  static async read(file: string): Promise<PiiAuditEntry[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as PiiAuditEntry);
  }
}
