import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SessionStore } from '../store/store.js';
import { HostWorker } from '../util/worker.js';
import type { DiscoveryLearning } from './learning.js';
import type { InsightRecord } from './records.js';
import { type ReportTask, runReportTask, taskRecords } from './report-task.js';
import type { InsightsReport } from './types.js';

/** Time the report worker has for one report, in ms; past it the report is made on this thread. */
const REPORT_DEADLINE_MS = 20_000;
/** The report worker, shared by every gateway of the process, started on the first report. */
let reporter: HostWorker<ReportTask> | undefined;

/** The local log's file name in the data folder. */
export const INSIGHTS_FILE = 'insights.jsonl';
/** Size at which the local log is moved to `insights.1.jsonl` (replacing the one before), in bytes. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Records kept in the store's log (about: Redis trims whole nodes). */
export const KEEP_RECORDS = 50_000;
/** The store's log name. */
const LOG = 'insights';

/**
 * Where the gateway's usage records go (see `records.ts`): to the discovery's learning (config
 * `discovery.learn`, see {@link DiscoveryLearning}) and, with config `insights`, to the insights'
 * log: the store's log `insights` when the gateway has a store, so every replica's executions are
 * read together, else `<dataDir>/insights.jsonl` (and the one before it, `insights.1.jsonl`: at
 * most 2 × {@link MAX_FILE_BYTES} in all). Records are written in batches after the answer that
 * made them, never on its path; a failure to write is said once on stderr, and the gateway goes
 * on without them.
 */
export class InsightsLog {
  private pending: InsightRecord[] = [];
  private writing: Promise<void> | undefined;
  private warned = false;
  /** False with config `insights: false`: records reach the learning only, and nothing is written. */
  readonly enabled: boolean;
  /** The discovery's learning (config `discovery.learn`), when on. */
  readonly learning: DiscoveryLearning | undefined;
  private readonly warn: (message: string) => void;

  /**
   * @param file the local log (used without a store).
   * @param options.warn where a failure to write is said (once).
   */
  constructor(
    readonly file: string,
    private readonly store?: SessionStore,
    options: { enabled?: boolean; learning?: DiscoveryLearning; warn?: (message: string) => void } = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.learning = options.learning;
    this.warn = options.warn ?? ((message) => process.stderr.write(`${message}\n`));
  }

  /** Loads what the learning learnt before. */
  async start(): Promise<void> {
    await this.learning?.load();
  }

  /** Where the records are, for messages: the store's location, or the file. */
  get location(): string {
    return this.store ? `the store's log "${LOG}" (${this.store.location})` : this.file;
  }

  /**
   * Takes one record: the learning sees it now; it is written on a later turn of the event loop.
   * Never throws.
   * @param learner for a search: who learns from it (see {@link DiscoveryLearning.observe}).
   */
  record(record: InsightRecord, learner?: string): void {
    this.learning?.observe(record, learner);
    if (!this.enabled) return;
    this.pending.push(record);
    this.writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every queued record is written (or given up), and the learning saved. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    await this.learning?.flush();
  }

  /**
   * The records written from `sinceMs` (ms since the epoch) on, oldest first, queued ones
   * included; read and parsed on this thread (see {@link report} for the dashboard).
   * @throws when the store cannot be read.
   */
  async read(sinceMs = 0): Promise<InsightRecord[]> {
    return taskRecords(await this.task(sinceMs));
  }

  /**
   * The report of the records from `sinceMs` on, made on a worker thread (the dashboard's), so
   * reading and summing up to 16 MiB of records never holds the thread that serves sessions; on
   * this thread only when the worker cannot start.
   * @throws when the store cannot be read, or the worker takes longer than 20 s.
   */
  async report(sinceMs = 0): Promise<InsightsReport> {
    const task = await this.task(sinceMs);
    reporter ??= new HostWorker<ReportTask>(new URL('./report-worker', import.meta.url), 30_000);
    return reporter.run(task, REPORT_DEADLINE_MS, () => {
      if (reporter?.unavailable) return runReportTask(task);
      throw new Error(
        `the insights report took longer than ${REPORT_DEADLINE_MS / 1000} s; ask for a shorter period (since)`,
      );
    });
  }

  /** What a report of the records from `sinceMs` on is made from: the store's lines, or the files. */
  async task(sinceMs = 0): Promise<ReportTask> {
    await this.flush();
    return this.store
      ? { since: sinceMs, lines: await this.store.readLog(LOG, sinceMs) }
      : { since: sinceMs, files: [previous(this.file), this.file] };
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const texts = batch.map((record) => JSON.stringify(record));
      try {
        if (this.store) await this.store.appendLog(LOG, texts, KEEP_RECORDS);
        else await this.append(texts);
      } catch (error) {
        if (!this.warned)
          this.warn(
            `toolscript: cannot record insights in ${this.location} (${(error as Error).message}); executions still run, but "toolscript insights" will miss them. Set "insights": false to stop recording.`,
          );
        this.warned = true;
      }
    }
    this.writing = undefined;
  }

  private async append(texts: string[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const size = await stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > MAX_FILE_BYTES) await rename(this.file, previous(this.file));
    await appendFile(this.file, `${texts.join('\n')}\n`, { mode: 0o600 });
  }
}

/** The log before `file`: `insights.1.jsonl` for `insights.jsonl`. */
function previous(file: string): string {
  return `${file.replace(/\.jsonl$/, '')}.1.jsonl`;
}
