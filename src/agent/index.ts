/**
 * toolscript's agent loop and A/B harness (`toolscript/agent`): {@link runAgent} runs a task with
 * any AI SDK model in code mode or with direct tool calling; {@link runAb} compares the two on a
 * task file; {@link resolveModel} turns `provider:model` into a model.
 */
export {
  type AbCheckContext,
  type AbOptions,
  type AbReport,
  type AbRow,
  type AbTask,
  type AbTotals,
  loadTasks,
  renderAbReport,
  runAb,
} from './ab.js';
export {
  type AgentEvent,
  type AgentMode,
  type AgentOptions,
  type AgentRun,
  type ModelUsage,
  runAgent,
} from './agent.js';
export { DEFAULT_MODEL, LOCAL_BASE_URLS, type ResolveModelOptions, resolveModel } from './models.js';
