import { readFileSync } from 'node:fs';
import { insightsReport } from './report.js';
import type { InsightRecord, InsightsReport } from './types.js';

/**
 * What a report is made from: the store's log lines, or the local log's files (read where the
 * report is made: on the report worker for the dashboard, so 16 MiB of records are never parsed
 * on the thread that serves sessions).
 */
export interface ReportTask {
  /** The first time counted, in ms since the epoch; 0 for everything kept. */
  since: number;
  lines?: string[];
  /** Local log files, oldest first; a missing one counts as empty. */
  files?: string[];
}

/** The records in `lines` written from `since` on; a line that is not a record (a torn write) is skipped. */
export function parseRecords(lines: string[], since: number): InsightRecord[] {
  const records: InsightRecord[] = [];
  for (const line of lines) {
    try {
      const record = JSON.parse(line) as InsightRecord;
      if (typeof record?.time === 'number' && record.time >= since) records.push(record);
    } catch {
      // A line cut by a process that died while writing it.
    }
  }
  return records;
}

/** The task's records, read and parsed on this thread. */
export function taskRecords(task: ReportTask): InsightRecord[] {
  const lines = task.lines ?? (task.files ?? []).flatMap((file) => linesOf(file));
  return parseRecords(lines, task.since);
}

/** The report of a task, made on this thread (see {@link ReportTask}). */
export function runReportTask(task: ReportTask): InsightsReport {
  return insightsReport(taskRecords(task), task.since);
}

function linesOf(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
