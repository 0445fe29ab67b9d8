import { writeFile } from 'node:fs/promises';
import { DEFAULT_MODEL } from '../../agent/models.js';
import { type Command, defineCommand, loadAgentModule, startGateway, UsageError } from '../shared.js';
import { MODEL_OPTIONS, modelFromOptions } from './agent.js';

export const AB_HELP = `Usage: toolscript ab TASKFILE [--model provider:model] [--base-url URL] [--max-steps N]
                     [--out FILE.json] [--json] [--config FILE]

A/B harness: runs each task of TASKFILE twice with the same model and servers — once in code
mode (search_tools + execute_code), once with every upstream tool exposed directly, as an
ordinary agent would have them — and records per task: the provider-reported input and output
tokens, the number of turns, wall time, and success from the task's checker.

TASKFILE is a TypeScript or JavaScript module:
  export default [
    { name: 'rainy-days', prompt: 'How many rainy days…?',
      check: (answer, { gateway, mode, run }) => answer.includes('641'), maxSteps: 10 },
  ];
See examples/ab-tasks.ts (it runs on the bundled default config).

Options:
      --model SPEC    provider:model (default ${DEFAULT_MODEL}); see "toolscript agent --help"
      --base-url URL  API base URL of an OpenAI-compatible endpoint
      --max-steps N   most model calls per run (default 20)
      --out FILE      also write the report as JSON
      --json          print the report as JSON instead of the table
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help

Exit codes: 0 every run finished (successful or not), 1 some run failed at the provider,
2 bad usage, task file, config or missing API key.
`;

/** `toolscript ab`: code mode against direct tool calling with a real model. */
export const ab: Command = defineCommand({
  help: AB_HELP,
  options: { ...MODEL_OPTIONS, out: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals.length !== 1)
      throw new UsageError('give one task file, e.g. toolscript ab examples/ab-tasks.ts');
    const { loadTasks, renderAbReport, runAb } = await loadAgentModule(
      () => import('../../agent/ab.js'),
      'ab',
    );
    const tasks = await loadTasks(positionals[0] as string);
    const { model, name, maxSteps } = modelFromOptions(values, io);
    const gateway = await startGateway(values.config, io);
    try {
      io.stderr(`${tasks.length} task${tasks.length === 1 ? '' : 's'} × 2 modes with ${name}\n`);
      const report = await runAb({
        gateway,
        model,
        modelName: name,
        tasks,
        maxSteps,
        onRow: (row) =>
          io.stderr(
            `  ${row.task} [${row.mode}]: ${row.success ? 'success' : 'failure'}, ${row.inputTokens} in / ${row.outputTokens} out, ${row.turns} turns, ${(row.ms / 1000).toFixed(1)} s${row.error ? ` — ${row.error.split('\n')[0]}` : ''}\n`,
          ),
      });
      if (values.out) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout(values.json ? `${JSON.stringify(report)}\n` : renderAbReport(report));
      return report.rows.some((r) => r.stoppedBy === 'error') ? 1 : 0;
    } finally {
      await gateway.close();
    }
  },
});
