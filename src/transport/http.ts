/**
 * Transport: one `node:http` server carries `POST|GET /graphql` (Apollo Server 5 through
 * `executeHTTPGraphQLRequest`, the fastest of the measured options), graphql-ws on the same path
 * (`ws.ts`), graphql-sse on `/graphql/stream` (`sse.ts`), the router callback protocol
 * (`callback.ts`), `/healthz` and `/readyz`, and CORS for Sandbox. Only the wiring (`src/app.ts`)
 * imports this folder; resolvers and datasources never see a request object: they get a `RequestContext`.
 */
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError } from 'graphql';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RequestContext, requestIdOf } from '../context.ts';
import { withLogScope } from '../core/logger.ts';
import { currentTraceId, withOperationSpan } from '../core/tracing.ts';
import { createCallbackPlugins } from './callback.ts';
import { answerStatus, graphqlBody, MAX_BATCH_OPERATIONS, tooLargeBatch } from './graphql-over-http.ts';
import { createExplorerRoute } from './explorer.ts';
import { sendMetrics } from './metrics.ts';
import { BodyTooLarge, corsHeaders, GRAPHQL_PATH, headerRecord, readBody, SSE_PATH, type ServeOptions, sendPlain, sendTooLarge } from './request.ts';
import { createMultipartRoute, isSubscriptionRequest, wantsMultipartSubscription } from './multipart.ts';
import { createSseRoute } from './sse.ts';
import { createWsTransport } from './ws.ts';

export type { RequestHeaders, ServeOptions } from './request.ts';

/**
 * How long a drain waits for in-flight HTTP requests before cutting connections. `main.ts` gives the
 * whole shutdown longer than this before it forces the exit.
 */
export const DRAIN_GRACE_MS = 5_000;

export interface RunningHttpServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Stops accepting, drains HTTP and WebSocket. */
  close(): Promise<void>;
}

/**
 * A subscription over plain HTTP (no event stream asked for, no router callback extension) has no
 * way to stream: say so, instead of executing it as a query (which fails with an internal error).
 */
const refuseSubscriptionsWithoutStream: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation?.operation !== 'subscription' || request.extensions?.['subscription']) return;
        throw new GraphQLError(
          'Subscriptions are served over graphql-ws on this path, over graphql-sse (send `accept: text/event-stream`), as multipart HTTP (`accept: multipart/mixed;subscriptionSpec=1.0`) and through the router callback protocol; not as plain HTTP requests.',
          { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
        );
      },
    };
  },
};

export async function serve(options: ServeOptions): Promise<RunningHttpServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const httpServer = createServer();
  const ws = createWsTransport(options, httpServer);
  const handleSse = createSseRoute(options, maxBodyBytes);
  const handleExplorer = createExplorerRoute(options);
  const handleMultipart = createMultipartRoute(options);

  const plugins: ApolloServerPlugin<RequestContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: DRAIN_GRACE_MS }),
    {
      async serverWillStart() {
        return {
          // Open subscriptions would hold the drain for its whole grace period: end them first.
          async drainServer() {
            handleSse.close();
            handleMultipart.close();
            await ws.dispose();
          },
        };
      },
    },
    ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    refuseSubscriptionsWithoutStream,
    ...createCallbackPlugins(options),
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
    // A request carrying `Authorization` cannot be a browser's simple cross-site request (that header
    // forces a preflight, which CORS answers): gateways (Hive Gateway's GET subscriptions, GET
    // queries) send it without Apollo's own preflight headers. Browsers without it are still checked.
    // Arrays of operations (BatchHttpLink, urql, router subgraph batching): see graphql-over-http.ts.
    allowBatchedHttpRequests: true,
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    logger: options.logger,
    plugins,
    validationRules: [...(options.validationRules ?? [])],
    ...(options.parseOptions?.maxTokens !== undefined ? { parseOptions: { maxTokens: options.parseOptions.maxTokens } } : {}),
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
    if (handleExplorer(req, res, path)) return;
    if (path === '/metrics' && options.metrics) return sendMetrics(res, options.metrics);
    if (path !== GRAPHQL_PATH && path !== '/' && path !== SSE_PATH) return sendPlain(res, 404, 'Not found');
    if (path === '/') {
      res.writeHead(302, { location: GRAPHQL_PATH });
      return void res.end();
    }
    // One id per request, the caller's if well-formed: answered in the header and seen by every transport.
    const requestId = requestIdOf(headerRecord(req)['x-request-id']);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    if (!corsHeaders(options, req, res)) return sendPlain(res, 403, 'Origin not allowed');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type, authorization',
        'access-control-max-age': '600',
      });
      return void res.end();
    }
    // graphql-sse also on /graphql for clients that ask for an event stream: Hive Gateway's default
    // HTTP transport subscribes to a subgraph this way (GET or POST, `accept: text/event-stream`).
    // No CSRF check is needed there: every operation needs `Authorization`, which a browser cannot
    // send cross-site without a preflight.
    if (path === SSE_PATH || (req.headers.accept ?? '').includes('text/event-stream')) return handleSse(req, res);
    let body: string;
    try {
      body = req.method === 'POST' ? await readBody(req, maxBodyBytes) : '';
    } catch (err) {
      if (err instanceof BodyTooLarge) return sendTooLarge(res);
      throw err;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let parsed: unknown = body;
    if (req.method === 'POST' && graphqlBody(headers.get('content-type'))) {
      // The query text itself: preflighted like JSON (not a simple content type), so CSRF-safe.
      parsed = { query: body };
      headers.set('content-type', 'application/json');
    } else if (req.method === 'POST' && (headers.get('content-type') ?? '').includes('json')) {
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
    if (wantsMultipartSubscription(req.headers.accept) && isSubscriptionRequest(parsed)) return handleMultipart(req, res, parsed);
    if (tooLargeBatch(parsed)) {
      const message = `A batch may hold at most ${MAX_BATCH_OPERATIONS} operations.`;
      return sendPlain(res, 400, JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }), 'application/json');
    }
    const record = headerRecord(req);
    const execute = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: q < 0 ? '' : url.slice(q), body: parsed },
        context: () => options.context(record),
      });
    // The operation's span (continuing a router's traceparent) and its ids on every log line made serving it.
    const result = await withOperationSpan(record, () => withLogScope({ requestId, traceId: currentTraceId(record['traceparent']) }, execute));
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (res.statusCode === 401) res.setHeader('www-authenticate', 'Bearer realm="copygraph"');
    if (result.body.kind === 'complete') {
      res.statusCode = answerStatus(res.statusCode, result.headers.get('content-type'), result.body.string);
      res.setHeader('content-length', Buffer.byteLength(result.body.string));
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    // A burst of connections (thousands of subscribers reconnecting) beyond the backlog is refused or
    // reset by the kernel before Node sees it: size it (COPYGRAPH_LISTEN_BACKLOG, capped by somaxconn).
    httpServer.listen({ port: options.port, host: options.host, backlog: options.listenBacklog ?? 511 }, () => resolve());
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
