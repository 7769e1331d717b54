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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestContext } from '../context.ts';
import { createCallbackPlugin } from './callback.ts';
import { BodyTooLarge, corsHeaders, GRAPHQL_PATH, headerRecord, readBody, SSE_PATH, type ServeOptions, sendPlain, sendTooLarge } from './request.ts';
import { createSseRoute } from './sse.ts';
import { createWsTransport } from './ws.ts';

export type { RequestHeaders, ServeOptions } from './request.ts';

export interface RunningHttpServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Stops accepting, drains HTTP and WebSocket. */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningHttpServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const httpServer = createServer();
  const ws = createWsTransport(options, httpServer);
  const handleSse = createSseRoute(options, maxBodyBytes);

  const plugins: ApolloServerPlugin<RequestContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    {
      async serverWillStart() {
        return {
          async drainServer() {
            await Promise.all([ws.dispose(), handleSse.dispose()]);
          },
        };
      },
    },
    ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    createCallbackPlugin(options),
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
      if (err instanceof BodyTooLarge) return sendTooLarge(res);
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
