import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type LearnedJson, LearnedTerms } from '../discovery/learned.js';
import type { SessionStore } from '../store/store.js';
import { FOLLOW_WINDOW_MS } from './report.js';
import type { InsightRecord } from './types.js';

/** The learnt terms' file in the data folder, and in the store's shared folder `discovery`. */
export const LEARNED_FILE = 'discovery-learned.json';
/** How long after a change the learnt terms are saved, in ms. */
const SAVE_AFTER_MS = 5_000;
/** Searches remembered per caller while they may still be followed. */
const RECENT_SEARCHES = 20;
/** Callers remembered before those past following are dropped. */
const SWEEP_AT = 1_000;

/** A search that executions of its caller may still follow. */
interface Recent {
  time: number;
  terms: string[];
  /** Who learns from it: `operator`, or the session's label. */
  learner: string;
  /** Tools already credited to it (each counts once per search). */
  credited: Set<string>;
}

/**
 * Discovery that learns from use (config `discovery.learn`): for each `search_tools` query, the
 * tools that executions of the same session then called successfully within
 * {@link FOLLOW_WINDOW_MS} (10 minutes; why: see `report.ts`) are learnt as uses of the query's
 * terms (see {@link LearnedTerms}), which search then ranks by. It reads the same records as the
 * insights (terms and tool names, never values). A stdio client's or the CLI's sessions learn as
 * one caller, `operator`, whose own learning is not capped; every other session is a caller of its
 * own. What is learnt is saved to `<dataDir>/discovery-learned.json`, or with a store to its shared
 * folder `discovery`, by reading what is there, adding what is new and writing it back (several
 * processes on one data folder, or replicas, add up).
 */
export class DiscoveryLearning {
  readonly terms = new LearnedTerms();
  /** What was learnt since the last save. */
  private unsaved = new LearnedTerms();
  private readonly recent = new Map<string, Recent[]>();
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private warned = false;

  /**
   * @param file where what is learnt is saved without a store.
   * @param warn where a failure to save is said (once); stderr by default.
   */
  constructor(
    readonly file: string,
    private readonly store?: SessionStore,
    private readonly warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
  ) {}

  /** Loads what earlier processes learnt. A missing or unreadable file is nothing learnt. */
  async load(): Promise<void> {
    this.terms.merge(await this.saved().catch(() => ({})));
  }

  /**
   * Takes one record in: a search is remembered for its caller; an execution credits each tool
   * it called successfully to that caller's searches of the last {@link FOLLOW_WINDOW_MS}.
   * @param learner for a search: who learns from it (`operator`, or the session's label).
   */
  observe(record: InsightRecord, learner = record.caller): void {
    if (record.kind === 'search') {
      if (!record.terms.length) return;
      if (this.recent.size >= SWEEP_AT) this.sweep(record.time);
      const list = this.recent.get(record.caller) ?? [];
      list.push({ time: record.time, terms: record.terms, learner, credited: new Set() });
      if (list.length > RECENT_SEARCHES) list.shift();
      this.recent.set(record.caller, list);
      return;
    }
    const searches = this.recent.get(record.caller)?.filter((s) => record.time - s.time <= FOLLOW_WINDOW_MS);
    if (!searches?.length) return;
    this.recent.set(record.caller, searches);
    let learnt = false;
    for (const use of record.tools) {
      if (use.calls <= use.failed) continue;
      for (const search of searches) {
        if (search.credited.has(use.tool) || record.time < search.time) continue;
        search.credited.add(use.tool);
        this.terms.record(search.learner, search.terms, use.tool, record.time);
        this.unsaved.record(search.learner, search.terms, use.tool, record.time);
        learnt = true;
      }
    }
    if (learnt && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), SAVE_AFTER_MS);
      this.timer.unref();
    }
  }

  /** Callers with searches that executions may still follow. */
  get waiting(): number {
    return this.recent.size;
  }

  /** Drops the callers whose last search is past following (sessions that ended, or never ran). */
  private sweep(now: number): void {
    for (const [caller, list] of this.recent)
      if (now - (list.at(-1)?.time ?? 0) > FOLLOW_WINDOW_MS) this.recent.delete(caller);
  }

  /**
   * Saves what was learnt since the last save (added to what is saved). Never rejects: when the
   * file or the store cannot be read or written, what is new stays for the next save, and the
   * failure is said once.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.then(async () => {
      const fresh = this.unsaved.toJSON();
      if (!Object.keys(fresh).length) return;
      this.unsaved = new LearnedTerms();
      try {
        const all = new LearnedTerms();
        all.merge(await this.saved());
        all.merge(fresh);
        await this.write(all.toJSON());
      } catch (error) {
        this.unsaved.merge(fresh);
        if (!this.warned)
          this.warn(
            `toolscript: cannot save what discovery learnt to ${this.store ? `${this.store.location}, shared folder "discovery"` : this.file} (${(error as Error).message}); it is kept and saved again later. Set "discovery": { "learn": false } to stop learning.`,
          );
        this.warned = true;
      }
    });
    return this.saving;
  }

  /**
   * Forgets what was learnt of `tool` (`<server>.<tool>`), or everything, here and where it is
   * saved. @returns how many term–tool pairs were forgotten where it is saved.
   */
  async forget(tool?: string): Promise<number> {
    await this.flush();
    this.terms.forget(tool);
    const all = new LearnedTerms();
    all.merge(await this.saved());
    const gone = all.forget(tool);
    await this.write(all.toJSON());
    return gone;
  }

  /**
   * What is saved; nothing for a missing or unparsable file.
   * @throws when the file or the store cannot be read (saving then would overwrite what is there).
   */
  private async saved(): Promise<LearnedJson> {
    let text: string | undefined;
    if (this.store) text = (await this.store.getShared('discovery')).get(LEARNED_FILE)?.toString('utf8');
    else
      text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    try {
      return text ? (JSON.parse(text) as LearnedJson) : {};
    } catch {
      return {};
    }
  }

  private async write(json: LearnedJson): Promise<void> {
    const data = Buffer.from(JSON.stringify(json));
    if (this.store) {
      await this.store.updateShared('discovery', new Map([[LEARNED_FILE, data]]), []);
      return;
    }
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, data, { mode: 0o600 });
  }
}
