/**
 * OpenTelemetry traces: a SERVER span per GraphQL operation over HTTP (continuing the trace of a
 * router's W3C `traceparent`), a CLIENT span per upstream call (provider, endpoint template, status,
 * the upstream's log id: never a URL query, a header or a credential), and a span per watcher poll,
 * linked to the trace that created its task (the task record keeps that `traceparent`).
 *
 * Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, read in
 * `src/config.ts`; then `startTracing` registers the OpenTelemetry Node SDK with the OTLP/HTTP
 * exporter of the configured encoding (`http/protobuf`, the spec's default, or `http/json`; traces
 * only: no metrics or logs exporter, no auto-instrumentation). When off, every helper here runs on
 * the API's no-op tracer at next to no cost.
 *
 * A leaf of `src/core/`: datasources may import it.
 */
import { type Context, context, type Link, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { endpointOf } from './metrics.ts';

export interface TracingConfig {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly tracesUrl: string;
  /** The OTLP/HTTP encoding (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`). */
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Headers for the collector (`OTEL_EXPORTER_OTLP_HEADERS`; may hold a token: never logged). */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

const tracer = () => trace.getTracer('copygraph');

let sdk: NodeSDK | undefined;
let processor: BatchSpanProcessor | undefined;

export interface Tracing {
  readonly enabled: boolean;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Flushes and unregisters the SDK (process exit). */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK once per process (later calls reuse it); a no-op without configuration. The SDK
 * package is loaded only then: it takes about 2 s to import on these machines.
 */
export async function startTracing(config: TracingConfig | undefined): Promise<Tracing> {
  if (config && !sdk) {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    if (!sdk) {
      const exporterOptions = { url: config.tracesUrl, headers: { ...config.headers } };
      const exporter = config.protocol === 'http/json' ? new JsonTraceExporter(exporterOptions) : new ProtobufTraceExporter(exporterOptions);
      processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
      sdk = new NodeSDK({ serviceName: config.serviceName, spanProcessors: [processor], metricReaders: [], logRecordProcessors: [], instrumentations: [] });
      sdk.start();
    }
  }
  return {
    enabled: sdk !== undefined,
    flush: async () => {
      await processor?.forceFlush();
    },
    shutdown: async () => {
      const running = sdk;
      sdk = undefined;
      processor = undefined;
      await running?.shutdown();
    },
  };
}

/** Flushes and unregisters the SDK, if it runs (process exit). */
export async function shutdownTracing(): Promise<void> {
  await (await startTracing(undefined)).shutdown();
}

/** Exports every span ended so far (tests, shutdown). */
export async function flushTracing(): Promise<void> {
  await processor?.forceFlush();
}

// ---- context ----------------------------------------------------------------------------------

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The active span's context as a W3C `traceparent`, if there is a real (sampled or not) span. */
export function currentTraceparent(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}`;
}

/** The trace id for log lines: the active span's, else the one a caller sent in `traceparent`. */
export function currentTraceId(traceparent?: string): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (sc && trace.isSpanContextValid(sc)) return sc.traceId;
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  return m && !/^0+$/.test(m[1] as string) ? m[1] : undefined;
}

function linkTo(traceparent: string | null | undefined): Link[] {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return [];
  return [{ context: { traceId: m[1] as string, spanId: m[2] as string, traceFlags: Number.parseInt(m[3] as string, 16), isRemote: true } }];
}

// ---- spans ------------------------------------------------------------------------------------

/** Runs one HTTP GraphQL request in a SERVER span that continues the caller's `traceparent`. */
export function withOperationSpan<T>(headers: Readonly<Record<string, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key.toLowerCase()],
  });
  return tracer().startActiveSpan('graphql', { kind: SpanKind.SERVER, attributes: { 'copygraph.transport': 'http' } }, parent, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}

const headerGetter = {
  keys: (carrier: Readonly<Record<string, string | undefined>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string | undefined>>, key: string) => carrier[key.toLowerCase()],
};

/** A streaming operation's SERVER span and the context that makes it the parent of what runs in it. */
export interface OperationSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts (without activating) the SERVER span of one operation of a streaming transport, continuing
 * the W3C `traceparent` / `tracestate` given; ended by its owner when the operation ends.
 */
export function startOperationSpan(
  carrier: { readonly traceparent?: string | undefined; readonly tracestate?: string | undefined },
  transport: string,
): OperationSpan {
  const parent = carrier.traceparent ? propagation.extract(context.active(), carrier, headerGetter) : context.active();
  const span = tracer().startSpan('graphql', { kind: SpanKind.SERVER, attributes: { 'copygraph.transport': transport } }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` with `ctx` active (its spans' parent): cheap when tracing is off (the no-op context manager). */
export function inTraceContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

/** A span's trace id when it is a real one (tracing on), else the one a caller sent in `traceparent`. */
export function traceIdOf(span: Span, traceparent: string | undefined): string | undefined {
  const sc = span.spanContext();
  if (trace.isSpanContextValid(sc)) return sc.traceId;
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  return m && !/^0+$/.test(m[1] as string) ? m[1] : undefined;
}

/** Names the current operation's span once the operation is known, and records its outcome. */
export function annotateOperation(
  type: string | undefined,
  name: string | undefined | null,
  outcome?: string,
  span: Span | undefined = trace.getActiveSpan(),
): void {
  if (!span) return;
  if (type) {
    span.updateName(`${type}${name ? ` ${name}` : ''}`);
    span.setAttribute('graphql.operation.type', type);
  }
  if (name) span.setAttribute('graphql.operation.name', name);
  if (outcome !== undefined && outcome !== 'ok') {
    span.setAttribute('copygraph.error_code', outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  }
}

const LOG_ID_HEADERS = ['x-tt-logid', 'x-reqid', 'x-traceid', 'logid', 'x-request-id'];

/** Runs one upstream HTTP call in a CLIENT span: provider, method, endpoint template, status, upstream log id. */
export function traceUpstream<T extends { readonly status: number; readonly headers: { get(name: string): string | null } }>(
  req: { readonly provider: string; readonly method: string; readonly url: string },
  send: () => Promise<T>,
): Promise<T> {
  const endpoint = endpointOf(req.url);
  let host: string | undefined;
  try {
    host = new URL(req.url).host;
  } catch {
    host = undefined;
  }
  return tracer().startActiveSpan(
    `${req.provider} ${req.method} ${endpoint}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'copygraph.provider': req.provider,
        'http.request.method': req.method,
        'url.template': endpoint,
        ...(host ? { 'server.address': host } : {}),
      },
    },
    async (span: Span) => {
      try {
        const res = await send();
        span.setAttribute('http.response.status_code', res.status);
        for (const h of LOG_ID_HEADERS) {
          const v = res.headers.get(h);
          if (v) {
            span.setAttribute('copygraph.upstream.log_id', v.slice(0, 128));
            break;
          }
        }
        if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
        return res;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
        if (typeof code === 'string') span.setAttribute('copygraph.error_code', code);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs one watcher poll in a root span of its own (polls happen long after the request), linked to
 * the trace that created the task.
 */
export function tracePoll<T>(
  task: { readonly id: string; readonly provider: string; readonly traceparent?: string | null | undefined },
  poll: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    `poll ${task.provider}`,
    { kind: SpanKind.INTERNAL, root: true, links: linkTo(task.traceparent), attributes: { 'copygraph.provider': task.provider, 'copygraph.task_id': task.id } },
    async (span) => {
      try {
        const change = await poll();
        span.setAttribute('copygraph.poll.changed', change !== undefined);
        return change;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
