import { readFile } from 'node:fs/promises';
import { isInstalled, MissingPackageError } from '../../util/peers.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const SKILLS_HELP = `Usage: toolscript skills <list|show NAME|save NAME FILE --description TEXT|rm NAME|check> [--config FILE] [--json]

Saved skills: reusable TypeScript modules under <dataDir>/skills/<name>/ (SKILL.md, index.ts),
imported by scripts as './skills/<name>'.

  list                       every skill, with its version; broken ones marked
  show NAME                  SKILL.md, the code and the usage counters
  save NAME FILE --description TEXT
                             check (transpile and type-check against the current bindings) and save;
                             an earlier version is kept under versions/<n>/
  rm NAME                    remove a skill and its versions
  check                      re-check every skill against the current bindings; exit 1 if any is broken

Options:
      --description TEXT  what the skill does (save)
      --json              print JSON
  -c, --config FILE       config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help              show this help
`;

/** `toolscript skills`: list, show, save, remove and check skills. */
export const skills: Command = defineCommand({
  help: SKILLS_HELP,
  options: { description: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    const [action, name, file] = positionals;
    if (!action || !['list', 'show', 'save', 'rm', 'check'].includes(action)) {
      throw new UsageError(
        'expected one of: list, show NAME, save NAME FILE --description TEXT, rm NAME, check',
      );
    }
    if ((action === 'show' || action === 'rm' || action === 'save') && !name)
      throw new UsageError(`"skills ${action}" needs a NAME`);
    // Without the type checker every skill would look fine: say so instead.
    if (action === 'check' && !isInstalled('typescript'))
      throw new MissingPackageError('typescript', 'toolscript skills check');
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
                      `${s.name}  v${s.version}  ${s.description}${s.owner === 'operator' ? '' : `  (owner ${s.owner})`}${s.broken ? '  [BROKEN]' : ''}`,
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
        default: {
          const checked = await gateway.skills.check();
          const broken = checked.filter((s) => s.broken);
          print(
            checked
              .map((s) => `${s.name}: ${s.broken ? `BROKEN\n  ${s.broken.replace(/\n/g, '\n  ')}` : 'ok'}`)
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
