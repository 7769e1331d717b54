/**
 * What every transport shares: request headers as a plain record, bounded body reading, CORS, plain
 * answers, and the options `serve` is given. Nothing here knows a protocol.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RequestContext, requestIdOf } from '../context.ts';
import type { Logger } from '../core/logger.ts';
import { type ObservedOperation, startOperation } from '../operation-observer.ts';
import type { CallbackSubscriptionStore } from '../tasks/callback-subscriptions.ts';

/** Headers of an HTTP request, or the fields of a `connection_init` payload, lower-cased. */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

export interface ServeOptions {
  readonly schema: GraphQLSchema;
  readonly host: string;
  readonly port: number;
  readonly production: boolean;
  readonly introspection: boolean;
  /** Allowed cross-origin callers; '*' allows any; `http://localhost:*` allows that host on any port. */
  readonly corsOrigins: readonly string[];
  /** Builds a request's context; throws a GraphQLError (UNAUTHENTICATED) to refuse it. */
  readonly context: (headers: RequestHeaders) => Promise<RequestContext>;
  /** Whether the service can take traffic (for /readyz). */
  readonly ready: () => Promise<boolean>;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Where the streaming transports log one line per operation (see src/operation-observer.ts); absent: no line. */
  readonly operationLogger?: Logger | undefined;
  /** Apollo's logger (pino fits). */
  readonly logger: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void };
  readonly plugins?: readonly ApolloServerPlugin<RequestContext>[];
  /** Serves `GET /metrics` on this server (the Prometheus text); absent when it has its own port. */
  readonly metrics?: MetricsSource | undefined;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** The listen backlog (connections queued before accept); Node's 511 when absent. */
  readonly listenBacklog?: number;
  /** Extra validation rules (operation limits) and parser options (`maxTokens`), for every transport. */
  readonly validationRules?: readonly ValidationRule[];
  readonly parseOptions?: { readonly maxTokens?: number };
  /** Router callback URLs or prefixes (ending in `/`) a subscription may name; empty: callbacks off. */
  readonly callbackUrls?: readonly string[];
  /** Router callback subscriptions: durable records, carried on by any replica (see callback-runner.ts). */
  readonly callbackSubscriptions: CallbackSubscriptionsOptions;
  /** WebSocket bounds (see ws.ts). */
  readonly ws?: WsLimits;
}

/** Where the durable records live and who this replica is (from the wiring: `src/app.ts`). */
export interface CallbackSubscriptionsOptions {
  readonly store: CallbackSubscriptionStore;
  readonly holder: string;
  readonly leaseMs: number;
  /** A context for a stored principal (configured credentials only); undefined when no key names it any more. */
  readonly principalContext: (principalId: string) => Promise<RequestContext | undefined>;
  /** How often expired leases are looked for (default 1 s; tests shorten it). */
  readonly claimEveryMs?: number;
}

export interface WsLimits {
  readonly maxPayloadBytes: number;
  readonly initTimeoutMs: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxSubscriptionsPerKey: number;
}

/** The Prometheus registry's text exposition and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export const GRAPHQL_PATH = '/graphql';
/** graphql-sse (distinct connections mode): one event stream per operation. */
export const SSE_PATH = '/graphql/stream';

export class BodyTooLarge extends Error {}

/**
 * Reads a request body up to `limit` bytes. A larger one is refused without buffering it (by its
 * declared length at once, otherwise as soon as it passes the limit); the caller answers 413 and the
 * connection closes after that answer, so the client reads the 413 instead of a reset.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function headerRecord(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Whether an origin is on the list: exactly, or through an entry ending in `:*` (any port of that
 * scheme and host, as frontend dev servers pick: `http://localhost:*` allows `http://localhost:3000`).
 */
export function originAllowed(origins: readonly string[], origin: string): boolean {
  for (const entry of origins) {
    if (entry === '*' || entry === origin) return true;
    if (entry.endsWith(':*')) {
      const base = entry.slice(0, -1);
      if (origin.startsWith(base) && /^\d{1,5}$/.test(origin.slice(base.length))) return true;
    }
  }
  return false;
}

export function corsHeaders(options: ServeOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  const allowed = originAllowed(options.corsOrigins, origin) || origin === `http://${req.headers.host}`;
  if (!allowed) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  return true;
}

export function sendPlain(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers 413 and closes the connection after it, so the client reads the answer instead of a reset. */
export function sendTooLarge(res: ServerResponse): void {
  res.setHeader('connection', 'close');
  sendPlain(res, 413, 'Request body too large');
}

/**
 * The observed operation of one HTTP request served as a stream (graphql-sse, multipart): its request
 * id is the request's `x-request-id` (as `http.ts` set it: the caller's when well-formed), its span
 * continues the request's `traceparent`.
 */
export function startRequestOperation(transport: 'sse' | 'multipart', req: IncomingMessage, logger: ServeOptions['operationLogger']): ObservedOperation {
  const headers = req.headers;
  return startOperation({
    transport,
    logger,
    requestId: requestIdOf(typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : undefined),
    traceparent: typeof headers.traceparent === 'string' ? headers.traceparent : undefined,
    tracestate: typeof headers.tracestate === 'string' ? headers.tracestate : undefined,
  });
}
