import { JsonLinesLog } from '../util/jsonl.js';
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
export class PiiAuditLog extends JsonLinesLog<PiiAuditEntry> {
  /** Every entry, oldest first; none when the file does not exist. */
  static read(file: string): Promise<PiiAuditEntry[]> {
    return JsonLinesLog.readEntries<PiiAuditEntry>(file);
  }
}
