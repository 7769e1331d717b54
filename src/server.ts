/**
 * Transport: the one module that knows about HTTP and WebSocket. One `node:http` server carries
 * `POST|GET /graphql` (Apollo Server 5 through `executeHTTPGraphQLRequest`, the fastest of the
 * measured options), graphql-ws on the same path, `/healthz` and `/readyz`, and CORS for Sandbox.
 * Subscriptions reach clients three ways, all with the same authentication, context and masking:
 * graphql-ws on `/graphql` (browsers, Apollo Router passthrough mode), the HTTP callback protocol
 * (Apollo Router callback mode, through Apollo Server's own executor) and graphql-sse on
 * `/graphql/stream` (clients that cannot open a WebSocket).
 * Resolvers and datasources never see a request object: they get a `RequestContext`.
 */
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginSubscriptionCallback, type ApolloServerPluginSubscriptionCallbackOptions } from '@apollo/server/plugin/subscriptionCallback';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RequestContext } from './context.ts';
import { isGraphQLError } from './errors.ts';

/** Headers of an HTTP request, or the fields of a `connection_init` payload, lower-cased. */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

export interface ServeOptions {
  readonly schema: GraphQLSchema;
  readonly host: string;
  readonly port: number;
  readonly production: boolean;
  readonly introspection: boolean;
  /** Allowed cross-origin callers; '*' allows any. */
  readonly corsOrigins: readonly string[];
  /** Builds a request's context; throws a GraphQLError (UNAUTHENTICATED) to refuse it. */
  readonly context: (headers: RequestHeaders) => Promise<RequestContext>;
  /** Whether the service can take traffic (for /readyz). */
  readonly ready: () => Promise<boolean>;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Apollo's logger (pino fits). */
  readonly logger: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void };
  readonly plugins?: readonly ApolloServerPlugin<RequestContext>[];
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Stops accepting, drains HTTP and WebSocket. */
  close(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

/**
 * graphql-ws accepts refusals from `onSubscribe` only as `instanceof GraphQLError` of the graphql it
 * loaded itself: Node's CommonJS build. A test runner or bundler may give this module the ESM build,
 * a second GraphQLError class, and graphql-ws would then fail the socket instead of answering the
 * subscription with the error. Refusals are built with Node's copy, the same in either case.
 */
const WsGraphQLError = (createRequire(import.meta.url)('graphql') as typeof import('graphql')).GraphQLError;
/** graphql-sse (distinct connections mode): one event stream per operation. */
const SSE_PATH = '/graphql/stream';

class BodyTooLarge extends Error {}

/**
 * Reads a request body up to `limit` bytes. A larger one is refused without buffering it (by its
 * declared length at once, otherwise as soon as it passes the limit); the caller answers 413 and the
 * connection closes after that answer, so the client reads the 413 instead of a reset.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
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

function headerRecord(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Lower-cases a connection_init payload's keys, and lifts a nested `headers` object. */
function payloadHeaders(params: Readonly<Record<string, unknown>> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const add = (o: Readonly<Record<string, unknown>>) => {
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  };
  if (!params) return out;
  if (params['headers'] && typeof params['headers'] === 'object') add(params['headers'] as Record<string, unknown>);
  add(params);
  // Clients name the API key variously; all of these are the same Bearer key.
  out['authorization'] ??= out['apikey'] ?? out['api_key'] ?? out['token'];
  return out;
}

function corsHeaders(options: ServeOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  const allowed = options.corsOrigins.includes('*') || options.corsOrigins.includes(origin) || origin === `http://${req.headers.host}`;
  if (!allowed) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  return true;
}

type Fetcher = NonNullable<ApolloServerPluginSubscriptionCallbackOptions['fetcher']>;

/**
 * The callback plugin posts raw graphql-js results to the router, bypassing `formatError`. This
 * fetcher passes every error in a `next` payload or a `complete` through the same masking first.
 * Only the serialized error is left at this point, so it is rebuilt as a GraphQLError: a deliberate
 * code (NOT_FOUND, UNAUTHENTICATED…) passes, anything else becomes INTERNAL_SERVER_ERROR.
 */
function maskingFetcher(formatError: ServeOptions['formatError']): Fetcher {
  const mask = (errors: unknown): unknown =>
    Array.isArray(errors) ? errors.map((e: GraphQLFormattedError) => formatError(e, new GraphQLError(e.message, { extensions: e.extensions ?? {} }))) : errors;
  // The plugin only ever POSTs JSON strings with a plain header record.
  return (url, init = {}) => {
    let body = typeof init.body === 'string' ? init.body : init.body?.toString('utf8');
    if (body !== undefined) {
      const message = JSON.parse(body) as { payload?: { errors?: unknown }; errors?: unknown };
      if (message.errors) message.errors = mask(message.errors);
      if (message.payload?.errors) message.payload.errors = mask(message.payload.errors);
      body = JSON.stringify(message);
    }
    return fetch(url, { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(body === undefined ? {} : { body }), signal: init.signal ?? null });
  };
}

function sendPlain(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function serve(options: ServeOptions): Promise<RunningHttpServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const httpServer = createServer();
  const wss = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });

  /** Principal and credentials of a socket, fixed at connection_init. */
  const socketHeaders = new WeakMap<WsContext, RequestHeaders>();
  const wsContexts = new WeakMap<WsContext, Map<string, RequestContext>>();
  const wsServer = useServer<Record<string, unknown>>(
    {
      schema: options.schema,
      // Sandbox sends a connection_init without payload before the real one: accept it.
      // Routers in passthrough mode (Apollo Router, Hive Router) forward the client's headers on the
      // upgrade request rather than in the payload: both count, the payload's fields winning.
      onConnect: (ctx) => {
        const headers = headerRecord(ctx.extra.request);
        for (const [k, v] of Object.entries(payloadHeaders(ctx.connectionParams))) if (v !== undefined) headers[k] = v;
        socketHeaders.set(ctx, headers);
        return true;
      },
      onSubscribe: async (ctx, id) => {
        try {
          const context = await options.context(socketHeaders.get(ctx) ?? {});
          let perOp = wsContexts.get(ctx);
          if (!perOp) wsContexts.set(ctx, (perOp = new Map()));
          perOp.set(id, context);
        } catch (err) {
          const refusal = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
          return [new WsGraphQLError(refusal.message, { extensions: refusal.extensions })];
        }
        return undefined;
      },
      context: (ctx, id) => wsContexts.get(ctx)?.get(id) as RequestContext,
      onComplete: (ctx, id) => {
        wsContexts.get(ctx)?.delete(id);
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => options.formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        const formatted = result.errors.map((e) => options.formatError(e.toJSON(), e));
        return { data: result.data ?? null, errors: formatted, ...(result.extensions ? { extensions: result.extensions } : {}) };
      },
    },
    wss,
  );

  /** Contexts of graphql-sse requests, built (and authenticated) in `onSubscribe`. */
  const sseContexts = new WeakMap<IncomingMessage, RequestContext>();
  const sseHandler = createSseHandler<IncomingMessage, undefined, Record<PropertyKey, unknown>>({
    schema: options.schema,
    // No reservations (PUT): every operation opens its own authenticated stream.
    authenticate: () => null,
    onSubscribe: async (req) => {
      try {
        sseContexts.set(req.raw, await options.context(headerRecord(req.raw)));
      } catch (err) {
        const error = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
        const body = JSON.stringify({ errors: [options.formatError(error.toJSON(), error)] });
        return [body, { status: 401, statusText: 'Unauthorized', headers: { 'content-type': 'application/json; charset=utf-8' } }];
      }
      return undefined;
    },
    // graphql-sse types its context as an open record; ours is the RequestContext interface.
    context: (req) => sseContexts.get(req.raw) as unknown as Record<PropertyKey, unknown>,
    onNext: (_ctx, _req, result) => {
      if (!('errors' in result) || !result.errors) return undefined;
      // graphql-sse serializes the result with JSON.stringify: formatted errors print as GraphQLErrors would.
      return { ...result, errors: result.errors.map((e) => options.formatError(e.toJSON(), e)) } as unknown as typeof result;
    },
  });

  /** graphql-sse on node:http, reading the body within the same size limit as /graphql. */
  async function handleSse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let tooLarge = false;
    const [body, init] = await sseHandler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { get: (key) => req.headers[key.toLowerCase()]?.toString() },
      body: () =>
        readBody(req, maxBodyBytes).catch((err: unknown) => {
          tooLarge = err instanceof BodyTooLarge;
          throw err;
        }),
      raw: req,
      context: undefined,
    });
    if (tooLarge) {
      res.setHeader('connection', 'close');
      return sendPlain(res, 413, 'Request body too large');
    }
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') return void res.end(body);
    // A client that goes away ends the operation (and its task listener) at once.
    res.once('close', () => void body.return(undefined));
    for await (const event of body) {
      if (!res.writable) break;
      await new Promise<void>((resolve) => res.write(event, () => resolve()));
    }
    res.end();
  }

  const plugins: ApolloServerPlugin<RequestContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    {
      async serverWillStart() {
        return {
          async drainServer() {
            await wsServer.dispose();
          },
        };
      },
    },
    ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    // Apollo Router's callback mode: the router POSTs the subscription with a callback URL, and
    // events go back to it as `check`, `next`, `complete` and heartbeats.
    ApolloServerPluginSubscriptionCallback({ logger: options.logger, fetcher: maskingFetcher(options.formatError) }),
    options.production
      ? ApolloServerPluginLandingPageDisabled()
      : ApolloServerPluginLandingPageLocalDefault({ embed: { runTelemetry: false }, includeCookies: false }),
    ...(options.plugins ?? []),
  ];
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it drains the app, then the demo emulators, then exits.
    stopOnTerminationSignals: false,
    formatError: options.formatError,
    logger: options.logger,
    plugins,
  });
  await apollo.start();

  httpServer.on('request', (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      options.logger.error(`unhandled transport error: ${String(err)}`);
      if (!res.headersSent) sendPlain(res, 500, 'Internal server error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/healthz') return sendPlain(res, 200, 'ok');
    if (path === '/readyz') return (await options.ready()) ? sendPlain(res, 200, 'ready') : sendPlain(res, 503, 'not ready');
    if (path !== GRAPHQL_PATH && path !== '/' && path !== SSE_PATH) return sendPlain(res, 404, 'Not found');
    if (path === '/') {
      res.writeHead(302, { location: GRAPHQL_PATH });
      return void res.end();
    }
    if (!corsHeaders(options, req, res)) return sendPlain(res, 403, 'Origin not allowed');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type, authorization',
        'access-control-max-age': '600',
      });
      return void res.end();
    }
    if (path === SSE_PATH) return handleSse(req, res);
    let body: string;
    try {
      body = req.method === 'POST' ? await readBody(req, maxBodyBytes) : '';
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        return sendPlain(res, 413, 'Request body too large');
      }
      throw err;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let parsed: unknown = body;
    if (req.method === 'POST' && (headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = body === '' ? undefined : JSON.parse(body);
      } catch {
        return sendPlain(
          res,
          400,
          JSON.stringify({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }),
          'application/json',
        );
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: q < 0 ? '' : url.slice(q), body: parsed },
      context: () => options.context(headerRecord(req)),
    });
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(result.body.string));
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const hostForUrl = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://${hostForUrl}:${port}${GRAPHQL_PATH}`,
    port,
    // Apollo's stop() drains HTTP (drain plugin) and disposes graphql-ws (drainServer hook).
    close: () => apollo.stop(),
  };
}
