/**
 * What searches led to: for each query term, the tools that callers then used successfully.
 * `ToolSearch` adds a bounded boost from it to each tool's lexical score (see
 * {@link LearnedTerms.boosts}). Terms only, never a query's text: they are the index's processed
 * terms (`queryTerms`) of a query already PII-tokenized by the session.
 */

/** One caller's uses of a tool after searches holding a term: a count that halves every `halfLife`. */
interface Uses {
  /** The decayed count as of `at`. */
  n: number;
  /** ms since the epoch. */
  at: number;
}

/** How learning is weighed (see {@link LearnedTerms}). */
export interface LearnedOptions {
  /** Days after which a use counts half. @default 30 */
  halfLifeDays?: number;
  /**
   * What one caller adds at most to a term's signal for a tool as others see it, in uses.
   * @default 1
   */
  callerCap?: number;
  /** Signal (in uses) at which a term gives half its largest boost. @default SATURATION */
  saturation?: number;
}

/** The learnt state as JSON (see {@link LearnedTerms.toJSON}): term → tool → caller → [n, at]. */
export type LearnedJson = Record<string, Record<string, Record<string, [number, number]>>>;

/** Tools of one term a search looks at, the most used first. */
const TOP_PER_TERM = 100;
/** How long a term's best tools are reused before they are worked out again (decay), in ms. */
const RECOUNT_MS = 60_000;
/** A signal of this many uses gives half the largest boost per term. */
export const SATURATION = 1;
const DAY_MS = 86_400_000;

/**
 * Uses of tools after searches, by term, tool and caller, with a time decay. The signal of a term
 * for a tool, as caller `c` sees it, is `c`'s own uses (uncapped: a single operator's searches
 * learn from everything it does) plus every other caller's uses capped at `callerCap`, so no one
 * caller moves a tool far for everyone: however often a caller searches and calls, it adds at
 * most `callerCap` to the signal others see. A term's boost saturates (`s / (s + 1)`), is
 * weighed by how specific the term is (terms that led to many tools weigh less), and is divided
 * by √n for a query of n terms, so a tool's boost stays below √n.
 */
export class LearnedTerms {
  private readonly terms = new Map<string, Map<string, Map<string, Uses>>>();
  private readonly halfLifeMs: number;
  private readonly callerCap: number;
  private readonly saturation: number;
  /** Distinct tools anything was learnt of; recounted after a change. */
  private learntTools: number | undefined;
  /** Each caller's uses, by term and tool (the same objects as in `terms`). */
  private readonly mine = new Map<string, Map<string, Map<string, Uses>>>();
  /** Per term, its tools with the most capped signal (see {@link topCapped}). */
  private readonly capped = new Map<string, { at: number; list: [string, number][]; top: Set<string> }>();

  constructor(options: LearnedOptions = {}) {
    this.halfLifeMs = (options.halfLifeDays ?? 30) * DAY_MS;
    this.callerCap = options.callerCap ?? 1;
    this.saturation = options.saturation ?? SATURATION;
  }

  /** How many terms have learnt anything. */
  get size(): number {
    return this.terms.size;
  }

  /**
   * One search of `caller` with `terms` was followed by a successful call of `tool`
   * (`<server>.<tool>`, the MCP name). Count it once per search.
   */
  record(caller: string, terms: string[], tool: string, now = Date.now()): void {
    for (const term of new Set(terms)) {
      const uses = this.usesOf(term, tool, caller);
      uses.n = this.decayed(uses, now) + 1;
      uses.at = now;
    }
  }

  /**
   * The learnt boost of each tool for a query's `terms`, as `caller` sees it (see the class): the
   * sum over the n terms of specificity × saturation / √n, below √n. Tools without anything learnt are
   * absent.
   * @param caller the searching caller; undefined counts every caller capped.
   */
  boosts(terms: string[], caller?: string, now = Date.now()): Map<string, number> {
    const boosts = new Map<string, number>();
    const learntTools = this.toolCount();
    const unique = new Set(terms);
    // Each term's part is shared out over the query's terms: each at most 1/√n of n terms, so the
    // sum stays below √n, and a long task description's few telling terms still count.
    const share = 1 / Math.sqrt(Math.max(1, unique.size));
    for (const term of unique) {
      const tools = this.terms.get(term);
      if (!tools) continue;
      // Terms that led to one tool weigh 1; to many, less (never below a fifth).
      const specificity = Math.max(0.2, Math.log(1 + learntTools / tools.size) / Math.log(1 + learntTools));
      const add = (tool: string, signal: number) => {
        if (signal > 0)
          boosts.set(
            tool,
            (boosts.get(tool) ?? 0) + share * specificity * (signal / (signal + this.saturation)),
          );
      };
      const own = caller === undefined ? undefined : this.mine.get(caller)?.get(term);
      for (const [tool, capped] of this.topCapped(term, tools, now)) {
        const uses = own?.get(tool);
        // The caller's own uses count in full in place of their capped share.
        add(
          tool,
          uses
            ? capped - Math.min(this.decayed(uses, now), this.callerCap) + this.decayed(uses, now)
            : capped,
        );
      }
      const shown = this.capped.get(term)?.top;
      for (const [tool, uses] of own ?? []) {
        if (shown?.has(tool)) continue;
        const n = this.decayed(uses, now);
        add(tool, this.cappedSignal(tools.get(tool), now) - Math.min(n, this.callerCap) + n);
      }
    }
    return boosts;
  }

  /** The tools `caller` itself used after searches with any of `terms` (its own learning). */
  ownTools(terms: string[], caller: string | undefined): Set<string> {
    const own = new Set<string>();
    const byTerm = caller === undefined ? undefined : this.mine.get(caller);
    for (const term of terms) for (const tool of byTerm?.get(term)?.keys() ?? []) own.add(tool);
    return own;
  }

  /**
   * The tools of `term` with the most capped signal (every caller at most `callerCap`), at most
   * {@link TOP_PER_TERM}, worked out once a minute or after a change: a term that led to
   * thousands of tools adds only its best to a search.
   */
  private topCapped(term: string, tools: Map<string, Map<string, Uses>>, now: number): [string, number][] {
    const cached = this.capped.get(term);
    if (cached && now - cached.at < RECOUNT_MS) return cached.list;
    const list = [...tools]
      .map(([tool, callers]) => [tool, this.cappedSignal(callers, now)] as [string, number])
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_PER_TERM);
    this.capped.set(term, { at: now, list, top: new Set(list.map(([tool]) => tool)) });
    return list;
  }

  private cappedSignal(callers: Map<string, Uses> | undefined, now: number): number {
    let signal = 0;
    for (const uses of callers?.values() ?? []) signal += Math.min(this.decayed(uses, now), this.callerCap);
    return signal;
  }

  /** The terms that most often led to `tool`, most first (for "often used for"). */
  termsFor(tool: string, limit = 5, now = Date.now()): string[] {
    const scored: [string, number][] = [];
    for (const [term, tools] of this.terms) {
      const callers = tools.get(tool);
      if (!callers) continue;
      let signal = 0;
      for (const uses of callers.values()) signal += Math.min(this.decayed(uses, now), this.callerCap);
      scored.push([term, signal]);
    }
    return scored
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([term]) => term);
  }

  /** Forgets what was learnt of `tool`, or everything. @returns how many term–tool pairs went. */
  forget(tool?: string): number {
    this.changed();
    let gone = 0;
    for (const [term, tools] of this.terms) {
      if (tool === undefined) gone += tools.size;
      else if (tools.delete(tool)) gone++;
      if (tool === undefined || tools.size === 0) this.terms.delete(term);
    }
    for (const byTerm of this.mine.values())
      for (const [term, tools] of byTerm) {
        if (tool !== undefined) tools.delete(tool);
        if (tool === undefined || tools.size === 0) byTerm.delete(term);
      }
    return gone;
  }

  /** The uses of `tool` by `caller` after searches with `term`, made empty when there are none. */
  private usesOf(term: string, tool: string, caller: string): Uses {
    this.changed();
    const tools = this.terms.get(term) ?? new Map<string, Map<string, Uses>>();
    this.terms.set(term, tools);
    const callers = tools.get(tool) ?? new Map<string, Uses>();
    tools.set(tool, callers);
    let uses = callers.get(caller);
    if (!uses) {
      uses = { n: 0, at: 0 };
      callers.set(caller, uses);
      const byTerm = this.mine.get(caller) ?? new Map<string, Map<string, Uses>>();
      this.mine.set(caller, byTerm);
      const own = byTerm.get(term) ?? new Map<string, Uses>();
      byTerm.set(term, own);
      own.set(tool, uses);
    }
    return uses;
  }

  private changed(): void {
    this.learntTools = undefined;
    this.capped.clear();
  }

  /** The state as JSON (counts rounded to 1/1000). */
  toJSON(): LearnedJson {
    const json: LearnedJson = {};
    for (const [term, tools] of this.terms) {
      const byTool: LearnedJson[string] = {};
      for (const [tool, callers] of tools) {
        const byCaller: Record<string, [number, number]> = {};
        for (const [caller, uses] of callers) byCaller[caller] = [Math.round(uses.n * 1000) / 1000, uses.at];
        byTool[tool] = byCaller;
      }
      json[term] = byTool;
    }
    return json;
  }

  /** Adds a saved state (see {@link toJSON}); counts of the same term, tool and caller add up. */
  merge(json: LearnedJson, now = Date.now()): void {
    for (const [term, tools] of Object.entries(json)) {
      for (const [tool, callers] of Object.entries(tools)) {
        for (const [caller, [n, at]] of Object.entries(callers)) {
          if (!Number.isFinite(n) || !Number.isFinite(at) || n <= 0) continue;
          const uses = this.usesOf(term, tool, caller);
          uses.n = this.decayed({ n, at }, now) + this.decayed(uses, now);
          uses.at = now;
        }
      }
    }
  }

  private toolCount(): number {
    if (this.learntTools === undefined) {
      const tools = new Set<string>();
      for (const byTool of this.terms.values()) for (const tool of byTool.keys()) tools.add(tool);
      this.learntTools = Math.max(1, tools.size);
    }
    return this.learntTools;
  }

  private decayed(uses: Uses, now: number): number {
    return uses.n * 0.5 ** (Math.max(0, now - uses.at) / this.halfLifeMs);
  }
}
