import { readFile } from 'node:fs/promises';
import type { SkillRepairReport } from '../../skills/auto-repair.js';
import { skillStatus } from '../../skills/store.js';
import { isInstalled, MissingPackageError } from '../../util/peers.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const SKILLS_HELP = `Usage: toolscript skills <list|show NAME|save NAME FILE --description TEXT|rm NAME|check|repair [NAME]> [--config FILE] [--json]

Saved skills: reusable TypeScript modules under <dataDir>/skills/<name>/ (SKILL.md, index.ts),
imported by scripts as './skills/<name>'.

  list                       every skill, with its version; broken ones marked
  show NAME                  SKILL.md, the code and the usage counters
  save NAME FILE --description TEXT
                             check (transpile and type-check against the current bindings) and save;
                             an earlier version is kept under versions/<n>/
  rm NAME                    remove a skill and its versions
  check                      re-check every skill against the current bindings (and repair, with
                             skills.autoRepair); exit 1 if any is broken
  repair [NAME] [--dry-run]  repair skills a tool change broke, when the change is mechanical (an
                             argument or the tool renamed, an optional argument removed, a required
                             one added with a default), as a new version; --dry-run prints each
                             repair as a diff and saves nothing; exit 1 if any stays broken.
                             Runs by itself at start-up and on list_changed (skills.autoRepair)

Options:
      --description TEXT  what the skill does (save)
      --dry-run           show the repairs, save nothing (repair)
      --json              print JSON
  -c, --config FILE       config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help              show this help
`;

/** `toolscript skills`: list, show, save, remove and check skills. */
export const skills: Command = defineCommand({
  help: SKILLS_HELP,
  options: { description: { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    const [action, name, file] = positionals;
    if (!action || !['list', 'show', 'save', 'rm', 'check', 'repair'].includes(action)) {
      throw new UsageError(
        'expected one of: list, show NAME, save NAME FILE --description TEXT, rm NAME, check, repair [NAME]',
      );
    }
    if ((action === 'show' || action === 'rm' || action === 'save') && !name)
      throw new UsageError(`"skills ${action}" needs a NAME`);
    // Without the type checker every skill would look fine: say so instead.
    if ((action === 'check' || action === 'repair') && !isInstalled('typescript'))
      throw new MissingPackageError('typescript', `toolscript skills ${action}`);
    let code = '';
    if (action === 'save') {
      if (!file) throw new UsageError('"skills save" needs a FILE with the code');
      if (!values.description) throw new UsageError('"skills save" needs --description TEXT');
      code = await readFile(file, 'utf8').catch((error: Error) => {
        throw new UsageError(`cannot read ${file}: ${error.message}`);
      });
    }
    const gateway = await startGateway(values.config, io, true);
    try {
      // The servers are up: what they say now is what the skills are checked (and repaired) against.
      await gateway.skills.idle();
      const print = (text: string, data: unknown) =>
        io.stdout(`${values.json ? JSON.stringify(data, null, 2) : text}\n`);
      switch (action) {
        case 'list': {
          const list = await gateway.skills.list();
          print(
            list.length
              ? list
                  .map(
                    (s) =>
                      `${s.name}  v${s.version}  ${s.description}${s.owner === 'operator' ? '' : `  (owner ${s.owner})`}${skillStatus(s) ? `  [${skillStatus(s)}]` : ''}`,
                  )
                  .join('\n')
              : 'No skills saved.',
            list,
          );
          return 0;
        }
        case 'show': {
          const skill = await gateway.skills.skill(name as string);
          if (!skill)
            throw new UsageError(`no skill "${name}" (toolscript skills list shows the saved ones)`);
          const { info, stats, code: source } = skill;
          print(
            `${info.name} v${info.version}: ${info.description}\ntools: ${info.tools.map((t) => t.name).join(', ')}\n` +
              `uses ${stats.uses} (ok ${stats.successes}, failed ${stats.failures}), mean ${stats.meanMs.toFixed(1)} ms, p95 ${stats.p95Ms.toFixed(1)} ms` +
              `${info.broken ? `\nBROKEN:\n${info.broken}` : ''}\n\n${source}`,
            { ...info, stats, code: source },
          );
          return 0;
        }
        case 'save': {
          const info = await gateway.skills.save({
            name: name as string,
            description: values.description as string,
            code,
          });
          print(
            `Saved ${info.name} v${info.version} (calls ${info.tools.map((t) => t.name).join(', ') || 'no tools'})`,
            info,
          );
          return 0;
        }
        case 'rm': {
          const removed = await gateway.skills.remove(name as string);
          if (!removed) throw new UsageError(`no skill "${name}"`);
          print(`Removed ${name}`, { removed: name });
          return 0;
        }
        case 'repair': {
          const reports = await gateway.skills.repair({
            ...(name ? { names: [name] } : {}),
            dryRun: values['dry-run'] === true,
          });
          if (name && !reports.length)
            throw new UsageError(`no skill "${name}" (toolscript skills list shows the saved ones)`);
          const lines: string[] = [];
          for (const report of reports) lines.push(await repairText(report));
          print(lines.join('\n') || 'No skills saved.', reports);
          return reports.some((r) => r.status === 'broken') ? 1 : 0;
        }
        default: {
          const checked = await gateway.skills.check();
          const broken = checked.filter((s) => s.broken);
          print(
            checked
              .map(
                (s) =>
                  `${s.name} v${s.version}: ${s.broken ? `BROKEN\n  ${s.broken.replace(/\n/g, '\n  ')}` : (skillStatus(s) ?? 'ok')}`,
              )
              .join('\n') || 'No skills saved.',
            checked,
          );
          return broken.length ? 1 : 0;
        }
      }
    } finally {
      await gateway.close();
    }
  },
});

/** One repair report as `skills repair` prints it, with the code change as a unified diff. */
async function repairText(report: SkillRepairReport): Promise<string> {
  const head = `${report.name} v${report.version}: `;
  if (report.status === 'ok') return `${head}ok (nothing to repair)`;
  if (report.status === 'broken') return `${head}cannot be repaired: ${report.problem}`;
  const what = report.done?.join('; ') ?? '';
  const title =
    report.status === 'repaired'
      ? `${head}repaired as v${report.repairedVersion} (${what})`
      : `${head}would be repaired (${what})`;
  const { createTwoFilesPatch } = await import('diff');
  const file = `skills/${report.name}/index.ts`;
  const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, report.before ?? '', report.after ?? '');
  // The patch's first line is a rule of '=' characters; the --- and +++ lines follow.
  return `${title}\n${patch.split('\n').slice(1).join('\n').trimEnd()}`;
}
