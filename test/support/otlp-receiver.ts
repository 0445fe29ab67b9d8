/**
 * A local OTLP/HTTP receiver for the JSON protocol (OTLP spec, "OTLP/HTTP" with
 * `Content-Type: application/json`): it keeps what exporters post to `/v1/traces` and
 * `/v1/metrics` and answers each with an empty success, as a collector does.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exported span, flattened from `resourceSpans[].scopeSpans[].spans[]`. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP `SpanKind`: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP `Status.code`: 0 unset, 1 ok, 2 error. */
  status: number;
  /** The resource's `service.name`. */
  service: string;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

/** Starts the receiver on a free loopback port. */
export async function startOtlpReceiver() {
  const bodies: { path: string; text: string }[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      bodies.push({ path: request.url ?? '', text });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    /** The value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
    endpoint: `http://127.0.0.1:${port}`,
    /** Every body received, as sent. */
    bodies,
    /** The spans received so far. */
    spans(): ReceivedSpan[] {
      const spans: ReceivedSpan[] = [];
      for (const body of bodies.filter((b) => b.path === '/v1/traces')) {
        for (const resource of JSON.parse(body.text).resourceSpans ?? []) {
          const service = String(attributes(resource.resource?.attributes)['service.name']);
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? [])
              spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? '',
                name: span.name,
                kind: span.kind,
                attributes: attributes(span.attributes),
                status: span.status?.code ?? 0,
                service,
              });
        }
      }
      return spans;
    },
    /** Names of the metrics received so far. */
    metricNames(): string[] {
      const names = new Set<string>();
      for (const body of bodies.filter((b) => b.path === '/v1/metrics'))
        for (const resource of JSON.parse(body.text).resourceMetrics ?? [])
          for (const scope of resource.scopeMetrics ?? [])
            for (const metric of scope.metrics ?? []) names.add(metric.name);
      return [...names].sort();
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const KINDS: Record<number, string> = { 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT' };

/** A span and its descendants in start order, as `name (KIND)` with attributes and status. */
export interface Tree {
  span: string;
  attributes: Record<string, string | number | boolean>;
  error?: true;
  children: Tree[];
}

export function treeOf(spans: ReceivedSpan[], root: ReceivedSpan): Tree {
  return {
    span: `${root.name} (${KINDS[root.kind]})`,
    attributes: root.attributes,
    ...(root.status === 2 ? { error: true as const } : {}),
    children: spans.filter((s) => s.parentSpanId === root.spanId).map((child) => treeOf(spans, child)),
  };
}
