import type { ReadonlyCatalog } from '../catalog/catalog.js';
import type { ToolHistory } from '../catalog/history.js';
import { bindingTypeNames } from '../codegen/binding.js';
import { assignBindingNames, serverFolder } from '../codegen/names.js';
import { isInstalled } from '../util/peers.js';
import { repairOffThread } from './gateway-skills.js';
import type { ToolRepair } from './repair.js';
import type { SkillChecker, SkillInfo, SkillStore } from './store.js';

/** What {@link repairSkill} did with one skill. */
export interface SkillRepairReport {
  name: string;
  /** The version looked at. */
  version: number;
  /**
   * `ok`: it type-checks, nothing to do; `repaired`: a new version was published
   * (`repairedVersion`); `would-repair`: the same, on a dry run, nothing saved; `broken`: it
   * cannot be repaired (`problem`).
   */
  status: 'ok' | 'repaired' | 'would-repair' | 'broken';
  repairedVersion?: number;
  /** The changes of its tools since it was written, in words. */
  changes: string[];
  /** What the repair did, in words (repaired, would-repair). */
  done?: string[];
  /** Why it stays broken, in words. */
  problem?: string;
  /** The code before and after the repair (repaired, would-repair). */
  before?: string;
  after?: string;
}

/** What a repair reads and writes. */
export interface RepairContext {
  store: SkillStore;
  checker: SkillChecker;
  catalog: Pick<ReadonlyCatalog, 'getServer'>;
  history: Pick<ToolHistory, 'changesSince'>;
}

/**
 * Repairs one broken skill (see `repair.ts` for what is mechanical): finds what changed in each
 * tool it calls since the schema it was written against (from the tools' history), edits the code,
 * type-checks the result against the current bindings, and publishes it as a new version whose
 * SKILL.md says what it was repaired from. A skill that cannot be repaired is marked broken with
 * the reason in words and the changes that broke it. A skill that is not broken is left alone.
 * @param dryRun report what would be done, and change nothing.
 */
export async function repairSkill(
  context: RepairContext,
  info: SkillInfo,
  code: string,
  dryRun = false,
): Promise<SkillRepairReport> {
  const report: SkillRepairReport = { name: info.name, version: info.version, status: 'ok', changes: [] };
  if (!info.broken) return report;
  const compiler = info.broken;
  const broken = async (problem: string): Promise<SkillRepairReport> => {
    if (!dryRun)
      await context.store.markBroken(
        info.name,
        `A tool it calls changed and it cannot be repaired: ${problem}\n${compiler}`,
        report.changes,
      );
    return { ...report, status: 'broken', problem };
  };
  const repairs = planRepairs(context, info);
  report.changes = repairs.flatMap((r) => r.changes.map((c) => c.text));
  if (!repairs.length)
    return broken(
      'the gateway has no record of the tool versions the skill was written against (it was saved before they were kept); fix it by hand and save it again',
    );
  if (!isInstalled('typescript'))
    return broken('repairs need the typescript package: npm install typescript');
  const result = await repairOffThread(code, repairs);
  if (!result.ok) return broken(result.problem);
  if (!result.done.length) return broken(`no mechanical edit follows ${report.changes.join('; ')}`);
  const { problems } = await context.checker.check(result.code);
  if (problems.length)
    return broken(
      `the repair (${result.done.join('; ')}) does not type-check; what is left: ${report.changes.filter((c) => !result.done.includes(c)).join('; ') || 'see the messages'}`,
    );
  const edited = { ...report, done: result.done, before: code, after: result.code };
  if (dryRun) return { ...edited, status: 'would-repair' };
  const saved = await context.store.save(
    { name: info.name, description: info.description, code: result.code },
    undefined,
    {
      from: info.version,
      changes: result.done,
    },
  );
  return { ...edited, status: 'repaired', repairedVersion: saved.version };
}

/**
 * Marks a broken skill with the changes of its tools since it was written, in words, without
 * repairing it (`skills.autoRepair` off). A skill whose tools have no recorded change keeps the
 * compiler's messages alone.
 */
export async function markChanged(context: RepairContext, info: SkillInfo): Promise<SkillInfo> {
  if (!info.broken) return info;
  const changes = planRepairs(context, info).flatMap((r) => r.changes.map((c) => c.text));
  if (!changes.length) return info;
  const broken = `A tool it calls changed (${changes.join('; ')}); toolscript skills repair repairs what is mechanical.\n${info.broken}`;
  await context.store.markBroken(info.name, broken, changes);
  return { ...info, broken, brokenBy: changes };
}

/** Each changed tool the skill calls, with its binding names then and now, and its changes. */
function planRepairs(context: RepairContext, info: SkillInfo): ToolRepair[] {
  const repairs: ToolRepair[] = [];
  for (const used of info.tools) {
    const [server = '', ...rest] = used.name.split('.');
    const tool = rest.join('.');
    const since = context.history.changesSince(server, tool, used.schemaHash);
    if (!since) continue;
    const names = (context.catalog.getServer(server)?.tools ?? []).map((t) => t.name);
    const from = assignBindingNames([...names, tool]).get(tool) ?? tool;
    const to = assignBindingNames(names).get(since.tool) ?? from;
    const [oldTypes, newTypes] = [bindingTypeNames(from), bindingTypeNames(to)];
    repairs.push({
      folder: serverFolder(server),
      from,
      to,
      types: [
        { from: oldTypes.input, to: newTypes.input },
        { from: oldTypes.output, to: newTypes.output },
      ],
      changes: since.changes,
    });
  }
  return repairs;
}
