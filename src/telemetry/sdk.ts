/**
 * The OpenTelemetry SDK for config `telemetry.enabled`: the optional peer `@opentelemetry/sdk-node`
 * (0.223 on Node 20, 0.300 and later on Node 22.15 and later), configured by the standard
 * variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS`, `OTEL_METRICS_EXPORTER`, `OTEL_SDK_DISABLED`…; see the
 * OpenTelemetry SDK environment variable specification). It starts with the first gateway that
 * asks and stays registered for the life of the process (the API keeps its first registration);
 * a gateway that closes flushes it.
 */
import { type DiagLogger, DiagLogLevel, diag, metrics, trace } from '@opentelemetry/api';
import { importPeer } from '../util/peers.js';

/** What toolscript uses of `@opentelemetry/sdk-node`. */
interface NodeSdkModule {
  NodeSDK: new (options: { serviceName?: string; logRecordProcessors?: unknown[] }) => { start(): void };
}

/** How long closing waits for the last spans and metrics to be delivered, in ms. */
const FLUSH_WAIT_MS = 3_000;

let started: Promise<void> | undefined;

/**
 * Starts the SDK, once per process, and registers it with `@opentelemetry/api`: a tracer provider
 * exporting spans in batches, the W3C propagators, a meter provider, all as the `OTEL_*` variables
 * say when it starts. `service.name` is `toolscript` unless `OTEL_SERVICE_NAME` or
 * `OTEL_RESOURCE_ATTRIBUTES` names one. An export that fails is said once on stderr (`warn`),
 * never thrown.
 * @returns a function that flushes what the SDK holds (waiting at most 3 s, then saying so), for a
 *   gateway that closes. It never rejects.
 * @throws {MissingPackageError} when `@opentelemetry/sdk-node` is not installed.
 */
export async function startTelemetry(
  warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<() => Promise<void>> {
  started ??= (async () => {
    const { NodeSDK } = await importPeer<NodeSdkModule>('@opentelemetry/sdk-node', 'telemetry.enabled');
    if (!process.env.OTEL_LOG_LEVEL) diag.setLogger(onceLogger(warn), DiagLogLevel.WARN);
    const named =
      Boolean(process.env.OTEL_SERVICE_NAME) ||
      /(^|,)\s*service\.name=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
    // toolscript writes no OpenTelemetry logs: no log exporter is set up.
    new NodeSDK({ ...(named ? {} : { serviceName: 'toolscript' }), logRecordProcessors: [] }).start();
  })();
  try {
    await started;
  } catch (error) {
    started = undefined;
    throw error;
  }
  return () => flush(warn);
}

/** The SDK's providers, if they can flush (the tracer provider sits behind the API's proxy). */
type Flushable = { forceFlush?(): Promise<void>; getDelegate?(): Flushable };

/** Delivers the spans and metrics the SDK holds, waiting at most {@link FLUSH_WAIT_MS}. */
async function flush(warn: (message: string) => void): Promise<void> {
  const tracer = trace.getTracerProvider() as Flushable;
  const providers = [tracer.getDelegate?.() ?? tracer, metrics.getMeterProvider() as Flushable];
  // An unreachable collector would hold the exit for the exporter's retries (10 s by default).
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), FLUSH_WAIT_MS);
  });
  const flushed = Promise.all(providers.map((provider) => provider.forceFlush?.())).then(
    () => 'done' as const,
    (error: Error) => warn(`toolscript: telemetry: ${error.message}`),
  );
  if ((await Promise.race([flushed, late])) === 'late')
    warn(
      `toolscript: telemetry: the last spans were not delivered to ${collector()} within ${FLUSH_WAIT_MS / 1000} s of closing (is the collector up?); they may be lost`,
    );
  clearTimeout(timer);
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
