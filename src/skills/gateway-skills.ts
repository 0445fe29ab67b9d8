import type { Catalog } from '../catalog/catalog.js';
import type { BindingTree } from '../codegen/binding-tree.js';
import { CLIENT_SOURCE, planServer, RUNTIME_SOURCE } from '../codegen/tree.js';
import type { SearchDocument } from '../discovery/documents.js';
import { scanServerImports } from '../script/imports.js';
import { transpileScript } from '../script/transpile.js';
import { isInstalled } from '../util/peers.js';
import { HostWorker } from '../util/worker.js';
import type { VirtualFiles } from './analyze.js';
import type { CheckTask } from './check-worker.js';
import type { RepairResult, ToolRepair } from './repair.js';
import { exportedNames, type SkillChecker, type SkillInfo, type SkillTool, skillStatus } from './store.js';

/** Longest a skill's type check may take once the checker is up, in ms. */
export const CHECK_DEADLINE_MS = 20_000;

let checker: HostWorker<CheckTask> | undefined;

/**
 * {@link typeCheck} on the skill checker's worker thread, within {@link CHECK_DEADLINE_MS}; on this
 * thread only when the worker cannot load.
 */
async function typeCheckOffThread(files: VirtualFiles, entry: string): Promise<string[]> {
  checker ??= new HostWorker<CheckTask>(new URL('./check-worker', import.meta.url), 10_000);
  const task: CheckTask = { kind: 'check', files: [...files], entry };
  const answer = await checker.run<string[] | undefined>(task, CHECK_DEADLINE_MS, () => undefined);
  if (answer) return answer;
  if (!checker.unavailable)
    return [
      `skill.ts: the type check took longer than ${CHECK_DEADLINE_MS / 1000} s; make the skill smaller.`,
    ];
  const { typeCheck } = await import('./analyze.js');
  return typeCheck(files, entry);
}

/**
 * {@link repairCode} on the skill worker's thread, within {@link CHECK_DEADLINE_MS}; on this thread
 * only when the worker cannot load.
 */
export async function repairOffThread(code: string, repairs: ToolRepair[]): Promise<RepairResult> {
  checker ??= new HostWorker<CheckTask>(new URL('./check-worker', import.meta.url), 10_000);
  const answer = await checker.run<RepairResult | undefined>(
    { kind: 'repair', code, repairs },
    CHECK_DEADLINE_MS,
    () => undefined,
  );
  if (answer) return answer;
  if (!checker.unavailable)
    return { ok: false, problem: `the repair took longer than ${CHECK_DEADLINE_MS / 1000} s` };
  return (await import('./repair.js')).repairCode(code, repairs);
}

/**
 * Type-checks skill code against the catalog's current bindings: the compact bindings of every
 * server it imports (as scripts are checked), `client.ts` and `runtime.ts`, with the TypeScript
 * compiler on a worker thread. The tools a skill calls are read from its transpiled imports (named
 * imports and members of namespace imports). Without the typescript package (an optional peer),
 * skills are saved unchecked: the tools are still found, and nothing is reported broken.
 */
export function catalogChecker(catalog: Catalog, bindings: BindingTree): SkillChecker {
  return {
    async check(code) {
      const files = new Map<string, string>([
        ['client.ts', CLIENT_SOURCE],
        ['runtime.ts', RUNTIME_SOURCE],
        ['skill.ts', code],
      ]);
      const transpiled = await transpileScript(code, 'skill.ts');
      if (!transpiled.ok) return { tools: [], problems: [transpiled.message] };
      const tools: SkillTool[] = [];
      const problems: string[] = [];
      const plans = catalog.listServers().flatMap((server) => planServer(catalog, server.name) ?? []);
      const byFolder = new Map(plans.map((plan) => [plan.folder, plan]));
      for (const [folder, names] of scanServerImports(transpiled.code).folders) {
        const plan = byFolder.get(folder);
        if (!plan) {
          problems.push(
            `skill.ts: no server "${folder}" is connected (servers: ${[...byFolder.keys()].join(', ')})`,
          );
          continue;
        }
        for (const identifier of names) {
          const binding = plan.bindings.find((b) => b.identifier === identifier);
          if (binding)
            tools.push({ name: `${plan.server}.${binding.tool.name}`, schemaHash: binding.schemaHash });
        }
        for (const [path, source] of bindings.compactModules(folder, names)) files.set(path, source);
      }
      if (problems.length === 0 && isInstalled('typescript'))
        problems.push(...(await typeCheckOffThread(files, 'skill.ts')));
      return { tools, problems };
    },
  };
}

/** A skill compiled for the sandbox: its JavaScript (imports rewritten to its folder), or why it cannot load. */
export interface SkillModule {
  source: string;
}

/**
 * JavaScript of a skill as the sandbox loads it from `skills/<name>/index`: transpiled, with
 * `./servers`, `./client`, `./runtime` and `./skills` imports pointed two folders up. A broken skill
 * becomes a module that throws, naming the changed tools.
 */
export async function compileSkill(info: SkillInfo, code: string): Promise<SkillModule> {
  if (info.broken) {
    const message = `Skill "${info.name}" is broken: a tool it calls (${info.tools.map((t) => t.name).join(', ')}) changed and it no longer type-checks:\n${info.broken}\nFix and save it again; toolscript skills repair --dry-run shows whether the gateway can.`;
    // Export the same names so the import links, then fail while the module evaluates.
    const names = exportedNames(code);
    return {
      source: `${names.map((n) => `export function ${n}() {}`).join('\n')}\nthrow Object.assign(new Error(${JSON.stringify(message)}), { name: 'SkillError', code: 'SKILL_ERROR' });`,
    };
  }
  const transpiled = await transpileScript(code, 'skill.ts');
  if (!transpiled.ok) {
    return {
      source: `throw new Error(${JSON.stringify(`Skill "${info.name}" does not compile: ${transpiled.message}`)});`,
    };
  }
  return {
    source: transpiled.code.replace(
      /(from\s*|import\s*\(\s*|import\s*)"\.\/(servers|client|runtime|skills)\b/g,
      '$1"../../$2',
    ),
  };
}

/** Search documents for skills (`kind: "skill"`, qualified as `skills.<name>`). */
export function skillDocuments(skills: { info: SkillInfo; exports: string[] }[]): SearchDocument[] {
  return skills.map(({ info, exports }) => ({
    id: `skills.${info.name}`,
    kind: 'skill',
    server: 'skills',
    serverDescription: 'saved skills',
    folder: info.name,
    name: info.name,
    identifier: exports.join(', ') || info.name,
    title: info.broken ? 'broken' : '',
    description: `${skillStatus(info) ? `(${skillStatus(info)}) ` : ''}${info.description}`,
    parameters: info.tools.map((t) => t.name).join(' '),
    hints: {},
    schemaHash: '',
  }));
}
