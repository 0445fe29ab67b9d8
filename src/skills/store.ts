import { appendFile, copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolscriptError } from '../errors.js';
import { transpileScript } from '../script/transpile.js';
import { writeFileAtomic } from '../util/atomic.js';
import {
  OPERATOR,
  parseFront,
  renderSkillMd,
  type SkillInfo,
  type SkillStats,
  type SkillTool,
} from './skill-md.js';

export type { SkillInfo, SkillStats, SkillTool } from './skill-md.js';
export { exportedNames, OPERATOR, skillStatus } from './skill-md.js';

/** The author of a version the gateway repaired after a tool change. */
export const REPAIRER = 'toolscript-repair';

/** Largest skill source accepted, in bytes: type-checking far larger code would stall the gateway. */
export const MAX_SKILL_BYTES = 128 * 1024;

/**
 * Who may publish a new version of a skill another author owns (config `skills.shared`):
 * `"read-only"` (default): only its owner and the operator; `"open"`: any session.
 */
export type SkillSharing = 'read-only' | 'open';

/** A skill refused: bad name, code that does not transpile or type-check, or owned by another session. */
export class SkillError extends ToolscriptError {
  static override readonly kind: string = 'SkillError';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super('SKILL_ERROR', message, { problems });
    this.name = 'SkillError';
  }
}

/** What the store needs from the gateway to check a skill: its tools and a type check. */
export interface SkillChecker {
  /**
   * Type-checks `code` (written with `./servers/…` imports) against the current bindings.
   * @returns the tools it uses and the compiler's messages (empty when it type-checks).
   */
  check(code: string): Promise<{ tools: SkillTool[]; problems: string[] }>;
}

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const KEPT_DURATIONS = 200;

/**
 * Skills on disk, one folder each under `<dataDir>/skills/<name>/`: `SKILL.md` (YAML front matter:
 * name, description, version, created, updated, tools with schema hashes; body: usage), `index.ts`
 * (exported functions), `stats.json` (usage counters), `status.json` (last check), and
 * `versions/<n>/` with earlier versions, never changed once written (a script imports one with
 * `./skills/<name>/v<n>`). Writes are atomic. Every save, refused save and removal is appended to
 * `<root>/audit.jsonl` (see {@link SkillAudit}).
 */
export class SkillStore {
  constructor(
    readonly root: string,
    private readonly checker: SkillChecker,
    private readonly sharing: SkillSharing = 'read-only',
  ) {}

  /** Every skill, sorted by name. */
  async list(): Promise<SkillInfo[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const skills: SkillInfo[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const info = await this.info(entry.name);
        if (info) skills.push(info);
      }
    }
    return skills.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** One skill's metadata, or undefined. */
  async info(name: string): Promise<SkillInfo | undefined> {
    if (!NAME.test(name)) return undefined;
    const text = await readFile(join(this.root, name, 'SKILL.md'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const front = parseFront(text);
    const status = await readJson<{ broken?: string; brokenBy?: string[] }>(
      join(this.root, name, 'status.json'),
    );
    return {
      ...front,
      ...(status?.broken ? { broken: status.broken } : {}),
      ...(status?.broken && status.brokenBy?.length ? { brokenBy: status.brokenBy } : {}),
    };
  }

  /**
   * A pinned version's metadata and source: the current one, or one kept under `versions/<n>/`.
   * @returns undefined when the skill or that version does not exist.
   */
  async version(name: string, version: number): Promise<{ info: SkillInfo; code: string } | undefined> {
    if (!NAME.test(name) || !Number.isSafeInteger(version) || version < 1) return undefined;
    const current = await this.info(name);
    if (!current) return undefined;
    const folder =
      version === current.version
        ? join(this.root, name)
        : join(this.root, name, 'versions', String(version));
    const [text, code] = await Promise.all([
      readFile(join(folder, 'SKILL.md'), 'utf8').catch(() => undefined),
      readFile(join(folder, 'index.ts'), 'utf8').catch(() => undefined),
    ]);
    if (text === undefined || code === undefined) return undefined;
    return { info: version === current.version ? current : parseFront(text), code };
  }

  /** A skill's TypeScript source, or undefined. */
  code(name: string): Promise<string | undefined> {
    if (!NAME.test(name)) return Promise.resolve(undefined);
    return readFile(join(this.root, name, 'index.ts'), 'utf8').catch(() => undefined);
  }

  /**
   * Saves a skill after checking that it transpiles and type-checks against the current bindings.
   * Saving over an existing skill publishes a new version and keeps the previous one, unchanged,
   * as `versions/<n>/`.
   * @param author who saves: {@link OPERATOR} (default) or `"session:<label>"` (see `sessionLabel`).
   * @param repaired set by the gateway's own repair (see `SkillLibrary.repair`): the version it
   *   was made from and the changes; the owner check does not apply, and the author is {@link REPAIRER}.
   * @throws {SkillError} for a bad name, with the compiler's messages, or when the skill belongs
   *   to another session and `skills.shared` is `"read-only"`.
   */
  async save(
    input: { name: string; description: string; code: string },
    author = OPERATOR,
    repaired?: SkillInfo['repaired'],
  ): Promise<SkillInfo> {
    if (repaired) author = REPAIRER;
    const { name, description, code } = input;
    if (!NAME.test(name) || name.length > 64) {
      throw new SkillError(
        `Invalid skill name ${JSON.stringify(name)}: use lowercase letters, digits and single hyphens (e.g. "top-senders").`,
      );
    }
    if (!description.trim())
      throw new SkillError('A skill needs a description: what it does and when to use it.');
    if (Buffer.byteLength(code) > MAX_SKILL_BYTES || description.length > 4096) {
      throw new SkillError(
        `Skill ${name} is too large: code is ${Math.round(Buffer.byteLength(code) / 1024)} KiB (at most ${MAX_SKILL_BYTES / 1024} KiB) and a description at most 4,096 characters. Keep skills small; put data in the workspace.`,
      );
    }
    const transpiled = await transpileScript(code, 'skill.ts');
    if (!transpiled.ok)
      throw new SkillError(`Skill ${name} does not compile:\n${transpiled.message}`, [transpiled.message]);
    const { tools, problems } = await this.checker.check(code);
    if (problems.length) {
      throw new SkillError(
        `Skill ${name} does not type-check against the current bindings:\n${problems.join('\n')}`,
        problems,
      );
    }
    const folder = join(this.root, name);
    const previous = await this.info(name);
    if (previous && !repaired && !this.mayPublish(previous, author)) {
      await this.audit({
        action: 'refused',
        skill: name,
        version: previous.version,
        author,
        owner: previous.owner,
      });
      throw new SkillError(
        `Skill ${name} belongs to another session (${previous.owner}): save yours under a new name, or import a pinned version (./skills/${name}/v${previous.version}). The operator may allow this with skills.shared: "open".`,
      );
    }
    if (previous) {
      const versions = join(folder, 'versions', String(previous.version));
      await mkdir(versions, { recursive: true });
      // Copied, then overwritten atomically below: the skill is never without its files.
      for (const file of ['SKILL.md', 'index.ts'])
        await copyFile(join(folder, file), join(versions, file)).catch(() => {});
    }
    await mkdir(folder, { recursive: true });
    const now = new Date().toISOString();
    const info: SkillInfo = {
      name,
      description: description.trim(),
      version: (previous?.version ?? 0) + 1,
      owner: previous?.owner ?? author,
      author,
      created: previous?.created ?? now,
      updated: now,
      tools,
      ...(repaired ? { repaired } : {}),
    };
    await writeFileAtomic(join(folder, 'index.ts'), code);
    await writeFileAtomic(join(folder, 'SKILL.md'), renderSkillMd(info, code));
    await writeFileAtomic(join(folder, 'status.json'), '{}');
    await this.audit({
      action: repaired ? 'repair' : 'save',
      skill: name,
      version: info.version,
      author,
      owner: info.owner,
      ...(repaired ? { changes: repaired.changes } : {}),
    });
    return info;
  }

  /**
   * Removes a skill with its versions.
   * @param author who removes (see {@link save}); under `"read-only"` sharing only the owner or
   *   the operator may.
   * @returns true when it existed and was removed.
   * @throws {SkillError} when it belongs to another session.
   */
  async remove(name: string, author = OPERATOR): Promise<boolean> {
    if (!NAME.test(name)) return false;
    const folder = join(this.root, name);
    const info = await this.info(name);
    if (info && !this.mayPublish(info, author)) {
      await this.audit({ action: 'refused', skill: name, version: info.version, author, owner: info.owner });
      throw new SkillError(
        `Skill ${name} belongs to another session (${info.owner}); only it or the operator may remove it.`,
      );
    }
    const existed = await stat(folder).then(
      () => true,
      () => false,
    );
    await rm(folder, { recursive: true, force: true });
    if (existed)
      await this.audit({
        action: 'remove',
        skill: name,
        version: info?.version ?? 0,
        author,
        owner: info?.owner ?? OPERATOR,
      });
    return existed;
  }

  /** True when `author` may publish over or remove `info` under the sharing policy. */
  private mayPublish(info: SkillInfo, author: string): boolean {
    return this.sharing === 'open' || author === OPERATOR || author === info.owner;
  }

  /** Appends one line to `audit.jsonl`; a failure to write it fails the change. */
  private async audit(entry: Omit<SkillAudit, 'time'>): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await appendFile(
      join(this.root, 'audit.jsonl'),
      `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`,
    );
  }

  /**
   * Re-checks skills (all, or those calling one of `tools`) against the current bindings and
   * records the result: a skill that no longer type-checks is marked broken with the messages; one
   * that still does gets the new schema hashes in its SKILL.md.
   * @returns the checked skills with their new status.
   */
  async check(tools?: Set<string>): Promise<SkillInfo[]> {
    const checked: SkillInfo[] = [];
    for (const info of await this.list()) {
      if (tools && !info.tools.some((t) => tools.has(t.name))) continue;
      const code = (await this.code(info.name)) ?? '';
      const { tools: current, problems } = await this.checker.check(code);
      const status = problems.length ? { broken: problems.join('\n') } : {};
      await writeFileAtomic(join(this.root, info.name, 'status.json'), JSON.stringify(status));
      const { broken: _old, brokenBy: _by, ...rest } = info;
      // Still type-checks: record the schema hashes it now works with.
      const updated = problems.length ? rest : { ...rest, tools: current };
      if (!problems.length)
        await writeFileAtomic(join(this.root, info.name, 'SKILL.md'), renderSkillMd(updated, code));
      checked.push({ ...updated, ...status });
    }
    return checked;
  }

  /**
   * Marks a skill broken: why, in words (with the compiler's messages), and the tool changes that
   * broke it.
   */
  async markBroken(name: string, broken: string, brokenBy: string[]): Promise<void> {
    if (!NAME.test(name)) return;
    await writeFileAtomic(join(this.root, name, 'status.json'), JSON.stringify({ broken, brokenBy }));
  }

  /** Records one execution that imported the skill. */
  async recordUse(name: string, ok: boolean, ms: number): Promise<void> {
    const file = join(this.root, name, 'stats.json');
    const stats = (await readJson<{ uses: number; successes: number; failures: number; durations: number[] }>(
      file,
    )) ?? {
      uses: 0,
      successes: 0,
      failures: 0,
      durations: [],
    };
    stats.uses++;
    if (ok) stats.successes++;
    else stats.failures++;
    stats.durations = [...stats.durations, Math.round(ms * 10) / 10].slice(-KEPT_DURATIONS);
    await writeFileAtomic(file, JSON.stringify(stats));
  }

  /** Usage counters; mean and p95 over the last 200 uses, in ms. */
  async stats(name: string): Promise<SkillStats> {
    const stats = await readJson<{ uses: number; successes: number; failures: number; durations: number[] }>(
      join(this.root, name, 'stats.json'),
    );
    const durations = [...(stats?.durations ?? [])].sort((a, b) => a - b);
    return {
      uses: stats?.uses ?? 0,
      successes: stats?.successes ?? 0,
      failures: stats?.failures ?? 0,
      meanMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
      p95Ms: durations.length
        ? (durations[Math.min(durations.length - 1, Math.floor(0.95 * durations.length))] as number)
        : 0,
    };
  }
}

/** One line of `<dataDir>/skills/audit.jsonl`: who changed (or tried to change) which skill. */
export interface SkillAudit {
  /** ISO 8601. */
  time: string;
  /** `repair`: a new version the gateway made after a tool change (see `changes`). */
  action: 'save' | 'remove' | 'refused' | 'repair';
  skill: string;
  /** The version saved, removed, or (refused) the current one. */
  version: number;
  author: string;
  owner: string;
  /** With `repair`: the tool changes the new version follows, in words. */
  changes?: string[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
