/**
 * toolscript's OpenTelemetry spans, through `@opentelemetry/api` alone: without an SDK registered
 * (config `telemetry.enabled`, or a host program that set one up) every span here is a no-op.
 *
 * Names and attributes follow the OpenTelemetry semantic conventions for MCP
 * (open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md): a span is named
 * `{mcp.method.name} {target}` (`tools/call execute_code`), SERVER for what the gateway answers and
 * CLIENT for what it asks an upstream; trace context travels in a request's `params._meta` as
 * `traceparent`, `tracestate` and `baggage` (MCP SEP-414). toolscript's own steps (a script's run,
 * an approval, a search) are INTERNAL spans under `toolscript.*` names.
 *
 * No span carries a value a script or a person passed: arguments, results, queries and error
 * messages are never attributes. Server and tool names are set only once the catalog knows them
 * (the same rule as the execution's call records), so a name made of someone's data never lands.
 */
import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';
import type { Attributes, Context, TextMapGetter, Tracer, TracerProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';

/** An OpenTelemetry context: where a new span hangs (see {@link startSpan}). */
export type TraceContext = Context;
/** What toolscript does with a span it started. */
export type Span = Pick<Api.Span, 'setAttribute' | 'setAttributes' | 'setStatus' | 'updateName' | 'end'>;

/** `SpanKind` of `@opentelemetry/api`, without loading it. */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2 } as const;
/** `SpanStatusCode.ERROR` of `@opentelemetry/api`. */
const STATUS_ERROR = 2;

const require = createRequire(import.meta.url);
/** Where every copy of `@opentelemetry/api` 1.x keeps what was registered with it. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
let loaded: typeof Api | undefined;

/**
 * `@opentelemetry/api`, once something registered with it (an SDK: toolscript's own for
 * `telemetry.enabled`, or the embedding program's); before that, undefined, and spans are no-ops
 * without the module loaded (it takes about 20 ms, which `exec`'s start-up does not pay).
 */
export function openTelemetry(): typeof Api | undefined {
  if (loaded) return loaded;
  if ((globalThis as Record<symbol, unknown>)[API_GLOBAL] === undefined) return undefined;
  loaded = require('@opentelemetry/api') as typeof Api;
  return loaded;
}

const NOOP_SPAN: Span = {
  setAttribute: () => NOOP_SPAN as Api.Span,
  setAttributes: () => NOOP_SPAN as Api.Span,
  setStatus: () => NOOP_SPAN as Api.Span,
  updateName: () => NOOP_SPAN as Api.Span,
  end: () => {},
};

/** Attribute names: the conventions' where they have one, else toolscript's own. */
export const ATTR = {
  method: 'mcp.method.name',
  protocolVersion: 'mcp.protocol.version',
  requestId: 'jsonrpc.request.id',
  toolName: 'gen_ai.tool.name',
  operation: 'gen_ai.operation.name',
  errorType: 'error.type',
  /** The session's label (see `sessionLabel`); its id is never an attribute, as it is never shown. */
  session: 'toolscript.session',
  server: 'toolscript.upstream.server',
  resultBytes: 'toolscript.result.bytes',
  cached: 'toolscript.cache.hit',
  backend: 'toolscript.sandbox.backend',
  language: 'toolscript.script.language',
  outcome: 'toolscript.execution.outcome',
  calls: 'toolscript.execution.calls',
  failedCalls: 'toolscript.execution.failed_calls',
  cacheHits: 'toolscript.execution.cache_hits',
  codeModeTokens: 'toolscript.tokens.code_mode',
  directTokens: 'toolscript.tokens.direct',
  decision: 'toolscript.approval.decision',
  hits: 'toolscript.search.hits',
  detail: 'toolscript.search.detail',
} as const;

/** `error.type` of a `CallToolResult` with `isError: true`, as the MCP conventions say. */
export const TOOL_ERROR = 'tool_error';

let made: { provider: TracerProvider; tracer: Tracer } | undefined;

/** toolscript's tracer from the provider registered now (the API's proxy until an SDK registers, then the SDK's). */
function tracer(api: typeof Api): Tracer {
  const provider = api.trace.getTracerProvider();
  if (made?.provider !== provider) made = { provider, tracer: provider.getTracer('toolscript', VERSION) };
  return made.tracer;
}

/**
 * Starts a span under `parent` (default the active context).
 * @returns the span and the context to start its children in.
 */
export function startSpan(
  name: string,
  kind: (typeof SpanKind)[keyof typeof SpanKind],
  parent: TraceContext | undefined,
  attributes: Attributes,
): { span: Span; context: TraceContext | undefined } {
  const api = openTelemetry();
  if (!api) return { span: NOOP_SPAN, context: parent };
  const within = parent ?? api.context.active();
  const span = tracer(api).startSpan(name, { kind: kind as Api.SpanKind, attributes }, within);
  return { span, context: api.trace.setSpan(within, span) };
}

/**
 * Ends `span`; with `errorType` (a low-cardinality class: an error code, `tool_error`) its status is
 * ERROR and `error.type` is set. The status has no description: error messages may quote data.
 */
export function endSpan(span: Span, errorType?: string | undefined): void {
  if (errorType !== undefined) {
    span.setAttribute(ATTR.errorType, errorType);
    span.setStatus({ code: STATUS_ERROR });
  }
  span.end();
}

const metaGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/**
 * The parent of a received request's span: the trace context in its `params._meta`, else in the
 * HTTP request's headers (`traceparent`), else the active context. Read with the propagators the
 * SDK registered (W3C Trace Context and Baggage by default; `OTEL_PROPAGATORS`).
 */
export function receivedContext(
  meta: Record<string, unknown> | undefined,
  headers?: Headers,
): TraceContext | undefined {
  const api = openTelemetry();
  if (!api) return undefined;
  const active = api.context.active();
  if (meta && typeof meta.traceparent === 'string') return api.propagation.extract(active, meta, metaGetter);
  if (headers?.has('traceparent')) return api.propagation.extract(active, headers, headerGetter);
  return active;
}

/**
 * The `_meta` entries that carry `within`'s trace context to an upstream (`traceparent`,
 * `tracestate`, `baggage`), or undefined when there is none (no SDK registered a propagator).
 */
export function sentMeta(within: TraceContext | undefined): Record<string, string> | undefined {
  const api = openTelemetry();
  if (!within || !api) return undefined;
  const carrier: Record<string, string> = {};
  api.propagation.inject(within, carrier);
  return Object.keys(carrier).length ? carrier : undefined;
}
