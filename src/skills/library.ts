import type { Catalog } from '../catalog/catalog.js';
import type { ToolHistory } from '../catalog/history.js';
import type { BindingTree } from '../codegen/binding-tree.js';
import type { ToolSearch } from '../discovery/search.js';
import { SharedFolder } from '../store/shared-folder.js';
import type { SessionStore } from '../store/store.js';
import { markChanged, type RepairContext, repairSkill, type SkillRepairReport } from './auto-repair.js';
import { catalogChecker, compileSkill, skillDocuments } from './gateway-skills.js';
import { exportedNames, type SkillInfo, type SkillSharing, type SkillStats, SkillStore } from './store.js';

/** How a {@link SkillLibrary} shares and repairs skills. */
export interface SkillLibraryOptions {
  /** Who may publish over another session's skill (config `skills.shared`). @default "read-only" */
  sharing?: SkillSharing;
  /** The tools' version history, which repairs read what changed from. Without it, nothing is repaired. */
  history?: Pick<ToolHistory, 'changesSince'>;
  /** Repair broken skills when their tools change (config `skills.autoRepair`). @default true */
  autoRepair?: boolean;
}

/** An import of a pinned skill version: `./skills/<name>/v<n>`, with or without an extension. */
const PINNED = /["']\.\/skills\/([a-z0-9-]+)\/v(\d{1,9})(?:\.[mc]?[jt]s)?["']/g;

/**
 * The gateway's skills: the store on disk, each skill compiled for the sandbox, and their entries
 * in search. Keeps all three in step on save, removal, check and repair, and re-checks (and
 * repairs) skills whose tools change schema (debounced).
 */
export class SkillLibrary {
  readonly store: SkillStore;
  private modules = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined = undefined;
  /** The re-check {@link toolsChanged} started, while it decides what to check. */
  private rechecking: Promise<void> | undefined;
  private readonly changedServers = new Set<string>();
  /**
   * Called after a save, removal or check changed the skills on disk: publishes them to the other
   * replicas when they are shared (see {@link start}). Errors propagate to the caller of that change.
   */
  private onChanged: (() => Promise<void>) | undefined;

  constructor(
    root: string,
    private readonly catalog: Catalog,
    bindings: BindingTree,
    private readonly search: ToolSearch,
    private readonly options: SkillLibraryOptions = {},
  ) {
    this.checker = catalogChecker(catalog, bindings);
    this.store = new SkillStore(root, this.checker, options.sharing ?? 'read-only');
  }

  private readonly checker: ReturnType<typeof catalogChecker>;

  /**
   * Loads the skills. With a session store, the skills are shared by every replica on it (the
   * store's copy is taken, or this replica's put there) and kept in step from then on; the audit
   * log stays per replica.
   * @throws when the store cannot be reached.
   */
  async start(store?: SessionStore): Promise<void> {
    if (store) {
      const shared = new SharedFolder(
        store,
        'skills',
        this.store.root,
        () => this.reload(),
        (path) => path === 'audit.jsonl',
      );
      await shared.start();
      this.onChanged = () => shared.publish();
    }
    await this.reload();
  }

  /** Every saved skill, sorted by name (see {@link SkillStore.list}). */
  list(): Promise<SkillInfo[]> {
    return this.store.list();
  }

  /** Names of the loaded skills. */
  names(): string[] {
    return [...this.modules.keys()].sort();
  }

  /** JavaScript of `skills/<name>/index` for the sandbox, or undefined when there is no such skill. */
  moduleSource(name: string): string | undefined {
    return this.modules.get(name);
  }

  /** One skill: its metadata, TypeScript source and usage counters; `undefined` when there is none. */
  async skill(name: string): Promise<{ info: SkillInfo; code: string; stats: SkillStats } | undefined> {
    const info = await this.store.info(name);
    return info && { info, code: (await this.store.code(name)) ?? '', stats: await this.store.stats(name) };
  }

  /**
   * Pinned skill versions a script imports (`./skills/<name>/v<n>`), compiled for the sandbox, by
   * module path (`skills/<name>/v<n>`). A version that does not exist is left out, so the import
   * fails with MODULE_NOT_FOUND.
   */
  async pinnedModules(code: string): Promise<Map<string, string>> {
    const modules = new Map<string, string>();
    for (const [, name = '', version = ''] of code.matchAll(PINNED)) {
      const path = `skills/${name}/v${version}`;
      if (modules.has(path)) continue;
      const pinned = await this.store.version(name, Number(version));
      if (pinned) modules.set(path, (await compileSkill(pinned.info, pinned.code)).source);
    }
    return modules;
  }

  /**
   * Saves a skill (see {@link SkillStore.save}); it is importable and searchable at once.
   * @param author `"operator"` (default) or `"session:<label>"` (see `sessionLabel`) for a
   *   session's own save.
   * @throws {SkillError} with the compiler's messages when it does not type-check, or when the
   *   skill belongs to another session under `skills.shared: "read-only"`.
   */
  async save(
    input: { name: string; description: string; code: string },
    author?: string,
  ): Promise<SkillInfo> {
    const info = await this.store.save(input, author);
    await this.reload();
    await this.onChanged?.();
    return info;
  }

  /**
   * Removes a skill with its versions (see {@link SkillStore.remove}); true when it existed.
   * @throws {SkillError} when it belongs to another session under `skills.shared: "read-only"`.
   */
  async remove(name: string, author?: string): Promise<boolean> {
    const removed = await this.store.remove(name, author);
    await this.reload();
    if (removed) await this.onChanged?.();
    return removed;
  }

  /**
   * Re-checks skills (all, or those calling one of `tools`), repairs the broken ones when
   * `autoRepair` is on (see {@link repair}), and reloads them.
   * @returns each checked skill as it is now (a repaired one at its new version).
   */
  check(tools?: Set<string>): Promise<SkillInfo[]> {
    return this.oneAtATime(() => this.checkNow(tools));
  }

  /**
   * Runs checks and repairs one after the other: two at once would both repair a skill and
   * publish two versions (a server's tool changes often come as several `list_changed`).
   */
  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.checking.then(work, work);
    this.checking = run.catch(() => {});
    return run;
  }

  private checking: Promise<unknown> = Promise.resolve();

  /**
   * Resolves once the skills are checked against the tools as they are now: a re-check waiting
   * out its 100 ms of quiet runs at once, and the checks and repairs queued are done and loaded.
   */
  async idle(): Promise<void> {
    if (this.timer) this.rechecking = this.recheckChanged();
    await this.rechecking;
    await this.checking;
  }

  private async checkNow(tools?: Set<string>): Promise<SkillInfo[]> {
    let checked = await this.store.check(tools);
    if (this.options.autoRepair === false && this.options.history) {
      const context = this.repairContext(this.options.history);
      checked = await Promise.all(checked.map((info) => markChanged(context, info)));
    } else if (this.options.history && checked.some((s) => s.broken)) {
      const context = this.repairContext(this.options.history);
      for (const info of checked.filter((s) => s.broken))
        await repairSkill(context, info, (await this.store.code(info.name)) ?? '');
      const now = await this.store.list();
      checked = checked.map((info) => now.find((s) => s.name === info.name) ?? info);
    }
    await this.reload();
    await this.onChanged?.();
    return checked;
  }

  /**
   * Checks skills (all, or those named) and repairs each broken one whose tools changed
   * mechanically (see `auto-repair.ts`), whatever `autoRepair` says.
   * @param dryRun report what would be done (with the code before and after), save nothing.
   * @returns one report per skill looked at.
   */
  repair(options: { names?: string[]; dryRun?: boolean } = {}): Promise<SkillRepairReport[]> {
    return this.oneAtATime(() => this.repairNow(options));
  }

  private async repairNow(options: { names?: string[]; dryRun?: boolean }): Promise<SkillRepairReport[]> {
    const history = this.options.history;
    const all = await this.store.list();
    const names = options.names ?? all.map((s) => s.name);
    const reports: SkillRepairReport[] = [];
    for (const name of names) {
      const info = all.find((s) => s.name === name);
      if (!info) continue;
      const code = (await this.store.code(name)) ?? '';
      const { problems } = await this.checker.check(code);
      const current = problems.length ? { ...info, broken: problems.join('\n') } : info;
      if (!problems.length || !history) {
        reports.push({
          name,
          version: info.version,
          status: problems.length ? 'broken' : 'ok',
          changes: [],
          ...(problems.length ? { problem: 'no tool history to repair from' } : {}),
        });
        continue;
      }
      reports.push(await repairSkill(this.repairContext(history), current, code, options.dryRun));
    }
    if (!options.dryRun) {
      await this.reload();
      await this.onChanged?.();
    }
    return reports;
  }

  private repairContext(history: NonNullable<SkillLibraryOptions['history']>): RepairContext {
    return { store: this.store, checker: this.checker, catalog: this.catalog, history };
  }

  /** Compiles every skill and re-indexes them for search; swaps the modules in at once. */
  async reload(): Promise<void> {
    const loaded: { info: SkillInfo; exports: string[] }[] = [];
    const modules = new Map<string, string>();
    for (const info of await this.store.list()) {
      const code = (await this.store.code(info.name)) ?? '';
      modules.set(info.name, (await compileSkill(info, code)).source);
      loaded.push({ info, exports: exportedNames(code) });
    }
    this.modules = modules;
    this.search.replaceKind('skill', skillDocuments(loaded));
  }

  /**
   * Called when a server's tools changed: after 100 ms of quiet, re-checks the skills whose tools
   * on the changed servers have another schema hash now or are gone.
   */
  toolsChanged(server: string): void {
    this.changedServers.add(server);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.rechecking = this.recheckChanged();
    }, 100);
    this.timer.unref();
  }

  /** Re-checks the skills whose tools on the servers changed since the last time. */
  private async recheckChanged(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const servers = new Set(this.changedServers);
    this.changedServers.clear();
    const changed = new Set<string>();
    for (const skill of await this.store.list().catch(() => [])) {
      for (const tool of skill.tools) {
        const [server = '', ...rest] = tool.name.split('.');
        if (
          servers.has(server) &&
          this.catalog.getTool(server, rest.join('.'))?.schemaHash !== tool.schemaHash
        )
          changed.add(tool.name);
      }
    }
    if (changed.size) await this.check(changed).catch(() => {});
  }

  /** Stops a pending re-check. */
  close(): void {
    clearTimeout(this.timer);
  }
}
