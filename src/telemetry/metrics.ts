/**
 * toolscript's OpenTelemetry metrics, through `@opentelemetry/api`: no-ops until an SDK registers
 * a meter provider (config `telemetry.enabled` with a metrics exporter; `OTEL_METRICS_EXPORTER`).
 * Prometheus (`/metrics`) is separate and stays.
 *
 * - `mcp.server.operation.duration` and `mcp.client.operation.duration` (s), as the MCP semantic
 *   conventions define them (open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md), with
 *   `mcp.method.name`, `gen_ai.tool.name` and `error.type`;
 * - `toolscript.execution.token.usage` ({token}): per execution, o200k_base tokens of code mode
 *   (`toolscript.token.mode` = `code_mode`: the script and the output the model read) and of direct
 *   tool calling for the same calls (`direct`). The GenAI conventions' `gen_ai.client.token.usage`
 *   counts a model's input and output, which these are not, hence a name of toolscript's own.
 */
import type { Attributes, Histogram, MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { openTelemetry } from './spans.js';

/** Bucket bounds in s the MCP conventions advise for the operation durations. */
const DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

interface Instruments {
  server: Histogram;
  client: Histogram;
  tokens: Histogram;
}

let made: { provider: MeterProvider; instruments: Instruments } | undefined;

/**
 * The instruments of the meter provider registered now (made again when another is registered);
 * undefined while nothing registered with `@opentelemetry/api` (see `openTelemetry`).
 */
function instruments(): Instruments | undefined {
  const provider = openTelemetry()?.metrics.getMeterProvider();
  if (!provider) return undefined;
  if (made?.provider === provider) return made.instruments;
  const meter = provider.getMeter('toolscript', VERSION);
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  made = {
    provider,
    instruments: {
      server: duration('mcp.server.operation.duration', 'MCP request duration as observed on the receiver'),
      client: duration('mcp.client.operation.duration', 'MCP request duration as observed on the sender'),
      tokens: meter.createHistogram('toolscript.execution.token.usage', {
        description: 'Tokens of one execution in code mode, and of direct tool calling for the same calls',
        unit: '{token}',
      }),
    },
  };
  return made.instruments;
}

/** Records how long the gateway took to answer one MCP request, in ms. */
export function recordServerOperation(ms: number, attributes: Attributes): void {
  instruments()?.server.record(ms / 1000, attributes);
}

/** Records how long one upstream request took, in ms. */
export function recordClientOperation(ms: number, attributes: Attributes): void {
  instruments()?.client.record(ms / 1000, attributes);
}

/** Records an execution's tokens: what the model handled, and what direct calling would have. */
export function recordTokens(tokens: { codeMode: number; direct: number }): void {
  const histogram = instruments()?.tokens;
  if (!histogram) return;
  histogram.record(tokens.codeMode, { 'toolscript.token.mode': 'code_mode' });
  histogram.record(tokens.direct, { 'toolscript.token.mode': 'direct' });
}
