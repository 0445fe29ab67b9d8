import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ToolscriptError } from '../errors.js';
import { transpileScript } from '../execution/transpile.js';
import { writeFileAtomic } from '../workspace/atomic.js';

/** A tool a skill calls, with the schema hash it was written against. */
export interface SkillTool {
  /** `server.tool_name` (original MCP name). */
  name: string;
  schemaHash: string;
}

/** What SKILL.md's front matter holds, plus the status of the last check. */
export interface SkillInfo {
  name: string;
  description: string;
  version: number;
  /** ISO 8601 times. */
  created: string;
  updated: string;
  tools: SkillTool[];
  /** Set when the skill no longer type-checks against the current bindings: the compiler's messages. */
  broken?: string;
}

/** Usage counters of a skill, kept beside SKILL.md in stats.json. */
export interface SkillStats {
  uses: number;
  successes: number;
  failures: number;
  meanMs: number;
  p95Ms: number;
}

/** A skill refused: bad name, code that does not transpile or type-check. */
/** Largest skill source accepted, in bytes: type-checking far larger code would stall the gateway. */
export const MAX_SKILL_BYTES = 128 * 1024;

export class SkillError extends ToolscriptError {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super('RUNTIME_ERROR', message, { problems });
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
 * `versions/<n>/` with earlier versions. Writes are atomic.
 */
export class SkillStore {
  constructor(
    readonly root: string,
    private readonly checker: SkillChecker,
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
    const front = yaml().parse(text.split(/^---$/m)[1] ?? '') as Omit<SkillInfo, 'broken'>;
    const status = await readJson<{ broken?: string }>(join(this.root, name, 'status.json'));
    return { ...front, ...(status?.broken ? { broken: status.broken } : {}) };
  }

  /** A skill's TypeScript source, or undefined. */
  code(name: string): Promise<string | undefined> {
    if (!NAME.test(name)) return Promise.resolve(undefined);
    return readFile(join(this.root, name, 'index.ts'), 'utf8').catch(() => undefined);
  }

  /**
   * Saves a skill after checking that it transpiles and type-checks against the current bindings.
   * Saving over an existing skill keeps the previous one as `versions/<n>/`.
   * @throws {SkillError} for a bad name, or with the compiler's messages.
   */
  async save(input: { name: string; description: string; code: string }): Promise<SkillInfo> {
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
    const transpiled = await transpileScript(code);
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
    if (previous) {
      const versions = join(folder, 'versions', String(previous.version));
      await mkdir(versions, { recursive: true });
      for (const file of ['SKILL.md', 'index.ts'])
        await rename(join(folder, file), join(versions, file)).catch(() => {});
    }
    await mkdir(folder, { recursive: true });
    const now = new Date().toISOString();
    const info: SkillInfo = {
      name,
      description: description.trim(),
      version: (previous?.version ?? 0) + 1,
      created: previous?.created ?? now,
      updated: now,
      tools,
    };
    await writeFileAtomic(join(folder, 'index.ts'), code);
    await writeFileAtomic(join(folder, 'SKILL.md'), renderSkillMd(info, code));
    await writeFileAtomic(join(folder, 'status.json'), '{}');
    return info;
  }

  /** Removes a skill with its versions; true when it existed. */
  async remove(name: string): Promise<boolean> {
    if (!NAME.test(name)) return false;
    const folder = join(this.root, name);
    const existed = await stat(folder).then(
      () => true,
      () => false,
    );
    await rm(folder, { recursive: true, force: true });
    return existed;
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
      const { broken: _old, ...rest } = info;
      // Still type-checks: record the schema hashes it now works with.
      const updated = problems.length ? rest : { ...rest, tools: current };
      if (!problems.length)
        await writeFileAtomic(join(this.root, info.name, 'SKILL.md'), renderSkillMd(updated, code));
      checked.push({ ...updated, ...status });
    }
    return checked;
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

/** SKILL.md: Agent Skills front matter, then usage with an example import. */
function renderSkillMd(info: SkillInfo, code: string): string {
  const exported = [
    ...code.matchAll(/export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/g),
  ].map((m) => m[1]);
  const front = yaml().stringify({
    name: info.name,
    description: info.description,
    version: info.version,
    created: info.created,
    updated: info.updated,
    tools: info.tools,
  });
  const example = exported.length
    ? `import { ${exported.join(', ')} } from './skills/${info.name}';`
    : `import * as skill from './skills/${info.name}';`;
  return `---\n${front}---\n\n# ${info.name}\n\n${info.description}\n\n## Usage\n\n\`\`\`ts\n${example}\n\`\`\`\n\nExports: ${exported.join(', ') || '(none)'}.\nCalls: ${info.tools.map((t) => t.name).join(', ') || '(no tools)'}.\n`;
}

/** Names a module exports (`export function|const|let|class NAME`). */
export function exportedNames(code: string): string[] {
  return [
    ...code.matchAll(/export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/g),
  ].map((m) => m[1] as string);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The yaml package (CommonJS build), loaded when the first skill is read or written. */
function yaml(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml');
}
