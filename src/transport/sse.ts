/**
 * graphql-sse on `/graphql/stream` (distinct connections mode) for clients that cannot open a
 * WebSocket, with the same authentication, context and masking as the other transports.
 */
import { GraphQLError } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import { subscriptionOpened } from '../core/metrics.ts';
import { prepareOperation } from './operation.ts';
import { BodyTooLarge, headerRecord, readBody, type ServeOptions, sendTooLarge } from './request.ts';

export interface SseRoute {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Ends every open event stream without a `complete` event, so clients see an interrupted stream
   * (and reconnect) rather than a finished one. Called when the server drains.
   */
  close(): void;
}

export function createSseRoute(options: ServeOptions, maxBodyBytes: number): SseRoute {
  /** Contexts of graphql-sse requests, built (and authenticated) in `onSubscribe`. */
  const sseContexts = new WeakMap<IncomingMessage, RequestContext>();
  const sseHandler = createSseHandler<IncomingMessage, undefined, Record<PropertyKey, unknown>>({
    schema: options.schema,
    // No reservations (PUT): every operation opens its own authenticated stream.
    authenticate: () => null,
    // Authenticate first, then parse, validate and coerce the variables with Apollo's error codes
    // (see operation.ts); a refused operation is streamed as one result with its errors, as
    // graphql-sse does with validation errors for event-stream requests.
    onSubscribe: async (req, params) => {
      let contextValue: RequestContext;
      try {
        contextValue = await options.context(headerRecord(req.raw));
      } catch (err) {
        const error = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
        const body = JSON.stringify({ errors: [options.formatError(error.toJSON(), error)] });
        return [body, { status: 401, statusText: 'Unauthorized', headers: { 'content-type': 'application/json; charset=utf-8' } }];
      }
      sseContexts.set(req.raw, contextValue);
      const prepared = prepareOperation(options.schema, params, { validationRules: options.validationRules, maxTokens: options.parseOptions?.maxTokens });
      if (!prepared.ok) return { data: null, errors: prepared.errors };
      return { schema: options.schema, ...prepared.operation, contextValue: contextValue as unknown as Record<PropertyKey, unknown> };
    },
    // graphql-sse types its context as an open record; ours is the RequestContext interface.
    context: (req) => sseContexts.get(req.raw) as unknown as Record<PropertyKey, unknown>,
    onNext: (_ctx, _req, result) => {
      if (!('errors' in result) || !result.errors) return undefined;
      const errors = result.errors.map((e) => options.formatError(e.toJSON(), e));
      // A request error (no path: the operation never ran) carries no `data`, as over HTTP.
      const requestError = result.data === null && result.errors.every((e) => !e.path);
      // graphql-sse serializes the result with JSON.stringify: formatted errors print as GraphQLErrors would.
      return (requestError ? { errors } : { ...result, errors }) as unknown as typeof result;
    },
  });

  const open = new Set<ServerResponse>();
  /** graphql-sse on node:http, reading the body within the same size limit as /graphql. */
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
    if (tooLarge) return sendTooLarge(res);
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') return void res.end(body);
    // A client that goes away ends the operation (and its task listener) at once.
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      void body.return(undefined);
    });
    const closed = subscriptionOpened('sse');
    try {
      for await (const event of body) {
        if (!res.writable) break;
        await new Promise<void>((resolve) => res.write(event, () => resolve()));
      }
    } finally {
      closed();
    }
    res.end();
  };
  return Object.assign(route, {
    close: () => {
      for (const res of open) res.end();
    },
  });
}
