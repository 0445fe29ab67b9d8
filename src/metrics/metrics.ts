import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';

type PromClient = typeof import('prom-client');
/** prom-client (its CommonJS build), loaded when the first GatewayMetrics is made. */
const promClient = (): PromClient => createRequire(import.meta.url)('prom-client') as PromClient;

import type { ExecutionResult } from '../execution/result.js';

/** What `GET /stats` and `toolscript stats` report. */
export interface MetricsSummary {
  /** Executions by outcome: `ok` or an error code. */
  executions: Record<string, number>;
  calls: number;
  tokens: { codeMode: number; direct: number; reduction: number; tokenizer: 'o200k_base' };
  meanExecutionMs: number;
  meanCallMs: number;
}

/**
 * Prometheus metrics of one gateway (prom-client, own registry):
 * - `toolscript_executions_total{outcome}`: executions by outcome (`ok` or the error code);
 * - `toolscript_execution_duration_seconds`: execution wall time;
 * - `toolscript_tool_calls_total{server,tool,outcome}`: calls by tool and outcome;
 * - `toolscript_tool_call_duration_seconds{server}`: call wall time;
 * - `toolscript_cache_lookups_total{server,result}`: calls of cached tools, `hit` or `miss`;
 * - `toolscript_tokens_total{mode}`: o200k_base tokens, `code_mode` and `direct` (the estimate);
 * - `toolscript_sandbox_memory_bytes`: QuickJS heap in use at the end of each execution.
 */
export class GatewayMetrics {
  private readonly prom = promClient();
  readonly registry: Registry = new this.prom.Registry();
  private readonly executions: Counter<'outcome'> = new this.prom.Counter({
    name: 'toolscript_executions_total',
    help: 'Script executions by outcome (ok, or the error code).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly executionDuration: Histogram = new this.prom.Histogram({
    name: 'toolscript_execution_duration_seconds',
    help: 'Wall time of one execution, transpiling included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly calls: Counter<'server' | 'tool' | 'outcome'> = new this.prom.Counter({
    name: 'toolscript_tool_calls_total',
    help: 'Upstream tool calls made by scripts, by server, tool and outcome.',
    labelNames: ['server', 'tool', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly callDuration: Histogram<'server'> = new this.prom.Histogram({
    name: 'toolscript_tool_call_duration_seconds',
    help: 'Wall time of one upstream tool call, argument validation included.',
    labelNames: ['server'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly cacheLookups: Counter<'server' | 'result'> = new this.prom.Counter({
    name: 'toolscript_cache_lookups_total',
    help: 'Calls of tools the config caches (`cache`), by server and result: hit or miss.',
    labelNames: ['server', 'result'] as const,
    registers: [this.registry],
  });
  private readonly tokens: Counter<'mode'> = new this.prom.Counter({
    name: 'toolscript_tokens_total',
    help: 'o200k_base tokens: code_mode (script + output) and direct (the direct tool calling estimate).',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  private readonly sandboxMemory: Histogram = new this.prom.Histogram({
    name: 'toolscript_sandbox_memory_bytes',
    help: 'QuickJS heap in use at the end of an execution.',
    buckets: [256e3, 1e6, 4e6, 16e6, 64e6, 256e6, 1e9],
    registers: [this.registry],
  });

  /**
   * A summary of the counters since the gateway started: executions by outcome, calls, tokens in
   * code mode against the direct-calling estimate, and mean durations.
   */
  async summary(): Promise<MetricsSummary> {
    const sum = async (metric: Counter<string>) => (await metric.get()).values;
    const executions: Record<string, number> = {};
    for (const v of await sum(this.executions)) executions[String(v.labels.outcome)] = v.value;
    const calls = (await sum(this.calls)).reduce((total, v) => total + v.value, 0);
    const tokens: Record<string, number> = {};
    for (const v of await sum(this.tokens)) tokens[String(v.labels.mode)] = v.value;
    const mean = async (metric: Histogram<string>) => {
      const values = (await metric.get()).values;
      const total = values.filter((v) => v.metricName?.endsWith('_sum')).reduce((t, v) => t + v.value, 0);
      const count = values.filter((v) => v.metricName?.endsWith('_count')).reduce((t, v) => t + v.value, 0);
      return count ? (total / count) * 1000 : 0;
    };
    const codeMode = tokens.code_mode ?? 0;
    const direct = tokens.direct ?? 0;
    return {
      executions,
      calls,
      tokens: {
        codeMode,
        direct,
        reduction: direct > 0 ? 1 - codeMode / direct : 0,
        tokenizer: 'o200k_base',
      },
      meanExecutionMs: await mean(this.executionDuration),
      meanCallMs: await mean(this.callDuration),
    };
  }

  /** Records one finished execution. */
  record(
    execution: Omit<ExecutionResult, 'tokens'> & { tokens?: ExecutionResult['tokens'] },
    memoryBytes: number | undefined,
  ): void {
    this.executions.inc({ outcome: execution.ok ? 'ok' : (execution.error?.code ?? 'RUNTIME_ERROR') });
    this.executionDuration.observe(execution.ms / 1000);
    for (const call of execution.calls) {
      this.calls.inc({
        server: call.server,
        tool: call.tool,
        outcome: call.ok ? 'ok' : (call.error ?? 'error'),
      });
      this.callDuration.observe({ server: call.server }, call.ms / 1000);
      if (call.cached !== undefined)
        this.cacheLookups.inc({ server: call.server, result: call.cached ? 'hit' : 'miss' });
    }
    if (execution.tokens) {
      this.tokens.inc({ mode: 'code_mode' }, execution.tokens.codeMode);
      this.tokens.inc({ mode: 'direct' }, execution.tokens.direct);
    }
    if (memoryBytes !== undefined) this.sandboxMemory.observe(memoryBytes);
  }
}
