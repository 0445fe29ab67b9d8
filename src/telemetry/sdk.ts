/**
 * Starting and stopping the OpenTelemetry SDK for config `telemetry.enabled`: the optional peer
 * `@opentelemetry/sdk-node`, configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS`,
 * `OTEL_METRICS_EXPORTER`, `OTEL_SDK_DISABLED`…; see the OpenTelemetry SDK environment variable
 * specification). One SDK serves every gateway of the process; the last to stop flushes it.
 */
import {
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  logs,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { importPeer } from '../util/peers.js';

/** What toolscript uses of `@opentelemetry/sdk-node`. */
interface NodeSdkModule {
  NodeSDK: new (options: {
    serviceName?: string;
    logRecordProcessors?: unknown[];
  }) => { start(): void; shutdown(): Promise<void> };
}

/** How long closing waits for the last spans and metrics to be delivered, in ms. */
const FLUSH_WAIT_MS = 3_000;

let running: { users: number; sdk: Promise<{ shutdown(): Promise<void> }> } | undefined;

/**
 * Starts the SDK (once per process) and registers it with `@opentelemetry/api`: a tracer provider
 * exporting spans in batches, the W3C propagators, a meter provider, all as the `OTEL_*` variables
 * say. `service.name` is `toolscript` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES`
 * names one. An export that fails is said once on stderr (`warn`), never thrown.
 * @returns a function that stops this user of the SDK; the last one flushes what is left (waiting
 *   at most 3 s, then saying so) and unregisters it. It never rejects.
 * @throws {MissingPackageError} when `@opentelemetry/sdk-node` is not installed.
 */
export async function startTelemetry(
  warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<() => Promise<void>> {
  if (!running) {
    const sdk = (async () => {
      const { NodeSDK } = await importPeer<NodeSdkModule>('@opentelemetry/sdk-node', 'telemetry.enabled');
      if (!process.env.OTEL_LOG_LEVEL) diag.setLogger(onceLogger(warn), DiagLogLevel.WARN);
      const named =
        Boolean(process.env.OTEL_SERVICE_NAME) ||
        /(^|,)\s*service\.name=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
      // toolscript writes no OpenTelemetry logs: no log exporter is set up.
      const started = new NodeSDK({
        ...(named ? {} : { serviceName: 'toolscript' }),
        logRecordProcessors: [],
      });
      started.start();
      return started;
    })();
    running = { users: 0, sdk };
    sdk.catch(() => {
      running = undefined;
    });
  }
  const mine = running;
  await mine.sdk;
  mine.users++;
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (--mine.users > 0) return;
    if (running === mine) running = undefined;
    // An unreachable collector would hold the exit for the exporter's retries (10 s by default).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), FLUSH_WAIT_MS);
    });
    const flushed = (await mine.sdk).shutdown().then(
      () => 'done' as const,
      (error: Error) => warn(`toolscript: telemetry: ${error.message}`),
    );
    if ((await Promise.race([flushed, late])) === 'late')
      warn(
        `toolscript: telemetry: the last spans were not delivered to ${collector()} within ${FLUSH_WAIT_MS / 1000} s of closing (is the collector up?); they may be lost`,
      );
    clearTimeout(timer);
    // A later start registers afresh (the API keeps the first registration otherwise).
    trace.disable();
    metrics.disable();
    logs.disable();
    propagation.disable();
    context.disable();
    diag.disable();
  };
}

/** Where spans go: the endpoint the OTLP exporter takes from the variables (its default otherwise). */
function collector(): string {
  const env = process.env;
  return (
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    (env.OTEL_EXPORTER_OTLP_PROTOCOL === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318')
  );
}

/**
 * A diagnostic logger that says the SDK's first warning or error in one line (an exporter that
 * cannot reach its collector says so every few seconds), and how to see them all.
 */
function onceLogger(warn: (message: string) => void): DiagLogger {
  let said = false;
  const say = (message: string, ...args: unknown[]) => {
    if (said) return;
    said = true;
    const detail = args
      .map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : ''))
      .filter(Boolean)
      .join(' ');
    warn(
      `toolscript: telemetry: ${[message, detail].filter(Boolean).join(' ').replace(/\s+/g, ' ').slice(0, 300)} (said once; OTEL_LOG_LEVEL=warn shows every one)`,
    );
  };
  const quiet = () => {};
  return { error: say, warn: say, info: quiet, debug: quiet, verbose: quiet };
}
