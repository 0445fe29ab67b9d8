/**
 * Skills that survive tool changes, against real servers that change: test/support/notes-server.mjs
 * (version 1, then version 2: an argument renamed, a tool renamed, a required argument added with
 * and without a default, an enum narrowed, an optional argument removed), and server-filesystem
 * without its deprecated read_file. Skills saved against the first version are repaired (and give
 * the same answer) or stay broken with the change that broke them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import type { SkillInfo } from '../src/skills/store.js';
import { spawnCli } from './support/cli.js';
import { FILESYSTEM, stdioServer } from './support/servers.js';

const NOTES = fileURLToPath(new URL('./support/notes-server.mjs', import.meta.url));
const ROOT = resolve(import.meta.dirname, '..');

const notes = (version: 1 | 2) => ({
  command: process.execPath,
  args: [NOTES],
  env: { NOTES_VERSION: String(version) },
});

/** Skills written against version 1 of the notes server: name → [code, expected outcome]. */
const SKILLS: Record<
  string,
  { code: string; call: string; outcome: 'repaired' | 'ok' | RegExp; brokenBy?: string }
> = {
  'grep-note': {
    code: `import { searchNotes } from './servers/notes';
/** Lines of groceries.md with "e". */
export async function grep(): Promise<string[]> {
  const { lines } = await searchNotes({ path: 'groceries.md', query: 'e' });
  return lines;
}`,
    call: 'grep()',
    outcome: 'repaired',
  },
  'read-note': {
    code: `import * as notes from './servers/notes';
export async function read(path: string): Promise<number> {
  const out = await notes.readFile({ path });
  return out.content.length;
}`,
    call: "read('ideas.md')",
    outcome: 'repaired',
  },
  'list-all': {
    code: `import { listNotes as list } from './servers/notes';
export async function all(): Promise<string> {
  return (await list({ folder: '/' })).names.join(',');
}`,
    call: 'all()',
    outcome: 'repaired',
  },
  'short-summary': {
    code: `import { summarize } from './servers/notes';
export async function first(): Promise<string> {
  return (await summarize({ path: 'ideas.md', style: 'short' })).summary;
}`,
    call: 'first()',
    outcome: 'repaired',
  },
  'tag-it': {
    code: `import { tagNote } from './servers/notes';
export async function tag(): Promise<string> {
  return (await tagNote({ path: 'ideas.md' })).tagged;
}`,
    call: 'tag()',
    outcome: /required argument `tag` added[\s\S]*no default/,
    brokenBy: 'required argument `tag` added',
  },
  'chars-of': {
    code: `import { countWords } from './servers/notes';
export async function chars(): Promise<number> {
  return (await countWords({ path: 'ideas.md', unit: 'chars' })).count;
}`,
    call: 'chars()',
    outcome: /no longer takes "chars"/,
    brokenBy: 'argument `unit` no longer takes "chars"',
  },
  'lines-of': {
    code: `import { countWords } from './servers/notes';
export async function lines(): Promise<number> {
  return (await countWords({ path: 'ideas.md', unit: 'lines' })).count;
}`,
    call: 'lines()',
    outcome: 'ok',
  },
};

async function saveAll(gateway: Gateway): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const [name, skill] of Object.entries(SKILLS)) {
    await gateway.skills.save({ name, description: `${name} of the notes`, code: skill.code });
    answers[name] = await run(gateway, name, skill.call);
  }
  return answers;
}

async function run(gateway: Gateway, name: string, call: string, version = ''): Promise<unknown> {
  const exported = call.slice(0, call.indexOf('('));
  const execution = await gateway.execute(
    `import { ${exported} } from './skills/${name}${version}';\nexport default await ${call};`,
  );
  if (!execution.ok) throw new Error(`${name}: ${execution.error?.message}`);
  return execution.result;
}

/** Waits until no skill is left unrepaired that should be, or `ms` passed. */
async function settled(gateway: Gateway, ms = 60_000): Promise<SkillInfo[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const list = await gateway.skills.list();
    const waiting = list.filter((s) => SKILLS[s.name]?.outcome === 'repaired' && !s.repaired);
    const unmarked = list.filter((s) => SKILLS[s.name]?.outcome instanceof RegExp && !s.broken);
    if ((!waiting.length && !unmarked.length) || Date.now() > deadline) {
      // The repairs are on disk; the library loads them when its check ends. A skill the type
      // check marked broken gets the repair's reason after that, so the list is read again.
      await gateway.skills.idle();
      return gateway.skills.list();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectOutcomes(list: SkillInfo[]): void {
  for (const [name, skill] of Object.entries(SKILLS)) {
    const info = list.find((s) => s.name === name) as SkillInfo;
    if (skill.outcome === 'repaired') {
      expect(info.version, name).toBe(2);
      expect(info.broken, name).toBeUndefined();
      expect(info.repaired?.from, name).toBe(1);
    } else if (skill.outcome === 'ok') {
      expect(info.version, name).toBe(1);
      expect(info.broken, name).toBeUndefined();
    } else {
      expect(info.version, name).toBe(1);
      expect(info.broken, name).toMatch(skill.outcome);
      expect(info.brokenBy, name).toEqual([skill.brokenBy]);
    }
  }
}

describe('skill repair after tool changes', () => {
  it('repairs skills at start-up against the new server version, keeps the old version importable, and names what breaks the rest', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-repair-'));
    let gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(1) }, dataDir }));
    const before = await saveAll(gateway);
    await gateway.close();

    gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(2) }, dataDir }));
    try {
      const list = await settled(gateway);
      expectOutcomes(list);
      const byName = (name: string) => list.find((s) => s.name === name) as SkillInfo;
      expect(byName('grep-note').repaired?.changes).toEqual(['argument `path` renamed to `file_path`']);
      expect(byName('read-note').repaired?.changes).toEqual(['tool `read_file` renamed to `read_text_file`']);
      expect(byName('list-all').repaired?.changes).toEqual([
        'required argument `sort` added (default "name")',
      ]);
      expect(byName('short-summary').repaired?.changes).toEqual(['optional argument `style` removed']);
      for (const [name, skill] of Object.entries(SKILLS)) {
        if (skill.outcome === 'repaired' || skill.outcome === 'ok')
          expect(await run(gateway, name, skill.call), name).toEqual(before[name]);
      }
      const code = (await gateway.skills.skill('read-note'))?.code;
      expect(code).toContain('const out = await notes.readTextFile({ path });');
      const skillMd = readFileSync(join(dataDir, 'skills/grep-note/SKILL.md'), 'utf8');
      expect(skillMd).toContain('Repaired from v1: argument `path` renamed to `file_path`.');
      // The version it was repaired from stays importable (its call fails: the tool changed).
      const old = await gateway.execute(
        `import * as v1 from './skills/grep-note/v1'; export default typeof v1.grep;`,
      );
      expect(old.result).toBe('function');
      const audit = readFileSync(join(dataDir, 'skills/audit.jsonl'), 'utf8');
      expect(audit).toMatch(/"action":"repair","skill":"grep-note","version":2,"author":"toolscript-repair"/);

      const history = gateway.history.versions('notes', 'search_notes');
      expect(history.map((v) => v.version)).toEqual(['1.0.0', '2.0.0']);
      expect(history[1]?.changes.map((c) => c.text)).toEqual(['argument `path` renamed to `file_path`']);
      expect(history[0]?.serverVersions).toEqual(['1.0.0']);
      expect(history[1]?.serverVersions).toEqual(['2.0.0']);
      const removed = gateway.history.versions('notes', 'read_file');
      expect(removed.at(-1)).toMatchObject({ version: '2.0.0', removed: true, renamedTo: 'read_text_file' });
      expect(gateway.history.versions('notes', 'count_words')[1]?.changes[0]?.text).toBe(
        'argument `unit` no longer takes "chars"',
      );
      expect(gateway.history.versions('notes', 'list_notes')[1]?.level).toBe('major');
    } finally {
      await gateway.close();
    }
  });

  // Repairs run on the check worker, behind every other check: slow on a loaded machine.
  it('repairs on list_changed, when a running server changes its tools', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-repair-'));
    const gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(1) }, dataDir }));
    try {
      const before = await saveAll(gateway);
      await gateway.callTool('notes', 'upgrade');
      const list = await settled(gateway);
      expectOutcomes(list);
      expect(await run(gateway, 'grep-note', 'grep()')).toEqual(before['grep-note']);
    } finally {
      await gateway.close();
    }
  }, 120_000);

  // This one also starts the CLI three times.
  it('with skills.autoRepair off, skills repair --dry-run prints the diffs and saves nothing; skills repair repairs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-repair-'));
    const gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(1) }, dataDir }));
    await saveAll(gateway);
    await gateway.close();
    const configFile = join(dataDir, 'toolscript.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ mcpServers: { notes: notes(2) }, dataDir, skills: { autoRepair: false } }),
    );
    // Not repaired by itself: broken, with the changes in words.
    const listed = spawnCli(['skills', 'list', '--config', configFile], { dataDir });
    expect(listed.stdout).toContain(
      'grep-note  v1  grep-note of the notes  [broken: argument `path` renamed to `file_path`]',
    );
    const dry = spawnCli(['skills', 'repair', '--dry-run', '--config', configFile], { dataDir });
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('--- a/skills/grep-note/index.ts');
    expect(dry.stdout).toContain(
      "-  const { lines } = await searchNotes({ path: 'groceries.md', query: 'e' });",
    );
    expect(dry.stdout).toContain(
      "+  const { lines } = await searchNotes({ file_path: 'groceries.md', query: 'e' });",
    );
    expect(dry.stdout).toMatch(/tag-it v1: cannot be repaired: required argument `tag` added/);
    expect(readFileSync(join(dataDir, 'skills/grep-note/SKILL.md'), 'utf8')).toContain('version: 1');

    const done = spawnCli(['skills', 'repair', 'grep-note', '--config', configFile], { dataDir });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('grep-note v1: repaired as v2 (argument `path` renamed to `file_path`)');
    expect(readFileSync(join(dataDir, 'skills/grep-note/SKILL.md'), 'utf8')).toContain('version: 2');

    const history = spawnCli(['tools', 'history', 'notes.search_notes', '--config', configFile], { dataDir });
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/2\.0\.0 .* major {2}argument `path` renamed to `file_path`/);
    expect(history.stdout).toMatch(/1\.0\.0 .* first seen/);
  }, 120_000);

  it("says what to do with a skill saved before the gateway kept its tools' history", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-repair-'));
    let gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(1) }, dataDir }));
    await gateway.skills.save({
      name: 'grep-note',
      description: 'Lines',
      code: SKILLS['grep-note']?.code ?? '',
    });
    await gateway.close();
    rmSync(join(dataDir, 'tool-history.json'));
    gateway = await createGateway(parseConfig({ mcpServers: { notes: notes(2) }, dataDir }));
    try {
      await gateway.skills.idle();
      const info = await gateway.skills.store.info('grep-note');
      expect(info?.version).toBe(1);
      expect(info?.broken).toMatch(
        /^A tool it calls changed and it cannot be repaired: the gateway has no record of the tool versions the skill was written against \(it was saved before they were kept\); fix it by hand and save it again\n/,
      );
    } finally {
      await gateway.close();
    }
  });

  it("repairs skills written against server-filesystem's deprecated read_file once it is gone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toolscript-repair-'));
    const files = stdioServer(...FILESYSTEM, [join(ROOT, 'examples/data')]);
    const skill = `import { readFile } from './servers/files';
/** Lines of a text file. */
export async function lineCount(path: string): Promise<number> {
  return (await readFile({ path })).content.split('\\n').length;
}`;
    const csv = JSON.stringify(join(ROOT, 'examples/data/seattle-weather.csv'));
    let gateway = await createGateway(parseConfig({ mcpServers: { files }, dataDir }));
    await gateway.skills.save({ name: 'line-count', description: 'Lines of a file', code: skill });
    const before = (
      await gateway.execute(
        `import { lineCount } from './skills/line-count'; export default await lineCount(${csv});`,
      )
    ).result;
    expect(before).toBeGreaterThan(1000);
    await gateway.close();

    // The day server-filesystem drops read_file, as its deprecation note announces.
    gateway = await createGateway(
      parseConfig({ mcpServers: { files: { ...files, denyTools: ['read_file'] } }, dataDir }),
    );
    try {
      const deadline = Date.now() + 30_000;
      let info = await gateway.skills.store.info('line-count');
      while (!info?.repaired && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        info = await gateway.skills.store.info('line-count');
      }
      await gateway.skills.idle();
      expect(info?.repaired?.changes).toEqual(['tool `read_file` renamed to `read_text_file`']);
      expect((await gateway.skills.skill('line-count'))?.code).toContain(
        "import { readTextFile } from './servers/files';",
      );
      const after = await gateway.execute(
        `import { lineCount } from './skills/line-count'; export default await lineCount(${csv});`,
      );
      expect(after.result).toBe(before);
    } finally {
      await gateway.close();
    }
  });
});
