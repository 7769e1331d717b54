/**
 * graphql-sse on `/graphql/stream` (distinct connections mode) for clients that cannot open a
 * WebSocket, with the same authentication, context and masking as the other transports.
 *
 * Each request is one operation (src/operation-observer.ts): its request id is the HTTP request's
 * (`x-request-id`, set by http.ts), its span continues the request's `traceparent`, and the whole
 * request, from authentication to the last event, runs in it.
 */
import { GraphQLError } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import type { ObservedOperation } from '../operation-observer.ts';
import { prepareOperation } from './operation.ts';
import { BodyTooLarge, headerRecord, readBody, type ServeOptions, sendTooLarge, startRequestOperation } from './request.ts';

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
  const observed = new WeakMap<IncomingMessage, ObservedOperation>();
  const sseHandler = createSseHandler<IncomingMessage, undefined, Record<PropertyKey, unknown>>({
    schema: options.schema,
    // No reservations (PUT): every operation opens its own authenticated stream.
    authenticate: () => null,
    // Authenticate first, then parse, validate and coerce the variables with Apollo's error codes
    // (see operation.ts); a refused operation is streamed as one result with its errors, as
    // graphql-sse does with validation errors for event-stream requests.
    onSubscribe: async (req, params) => {
      const op = observed.get(req.raw);
      op?.identify(undefined, typeof params.operationName === 'string' ? params.operationName : null);
      let contextValue: RequestContext;
      try {
        contextValue = await options.context(headerRecord(req.raw));
      } catch (err) {
        const error = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
        op?.recordErrors([error]);
        const body = JSON.stringify({ errors: [options.formatError(error.toJSON(), error)] });
        return [body, { status: 401, statusText: 'Unauthorized', headers: { 'content-type': 'application/json; charset=utf-8' } }];
      }
      sseContexts.set(req.raw, contextValue);
      op?.principal(contextValue.principal.id);
      const prepared = prepareOperation(options.schema, params, { validationRules: options.validationRules, maxTokens: options.parseOptions?.maxTokens });
      if (!prepared.ok) return { data: null, errors: prepared.errors };
      op?.resolve(prepared.operation.document, prepared.operation.operationName);
      if (op?.type === 'subscription') op.streaming();
      return { schema: options.schema, ...prepared.operation, contextValue: contextValue as unknown as Record<PropertyKey, unknown> };
    },
    // graphql-sse types its context as an open record; ours is the RequestContext interface.
    context: (req) => sseContexts.get(req.raw) as unknown as Record<PropertyKey, unknown>,
    onNext: (_ctx, req, result) => {
      observed.get(req.raw)?.recordResult(result as { data?: unknown; errors?: readonly unknown[] });
      if (!('errors' in result) || !result.errors) return undefined;
      const errors = result.errors.map((e) => options.formatError(e.toJSON(), e));
      // A request error (no path: the operation never ran) carries no `data`, as over HTTP.
      const requestError = result.data === null && result.errors.every((e) => !e.path);
      // graphql-sse serializes the result with JSON.stringify: formatted errors print as GraphQLErrors would.
      return (requestError ? { errors } : { ...result, errors }) as unknown as typeof result;
    },
  });

  const open = new Set<ServerResponse>();
  const drained = new WeakSet<ServerResponse>();
  /** graphql-sse on node:http, reading the body within the same size limit as /graphql, as one observed operation. */
  const route = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const op = startRequestOperation('sse', req, options.operationLogger);
    observed.set(req, op);
    return op.run(async () => {
      let how: 'completed' | 'client_closed' | 'error' | 'drain' = 'completed';
      try {
        how = await stream(req, res, op);
      } catch (err) {
        how = 'error';
        throw err;
      } finally {
        op.end(how);
      }
    });
  };
  const stream = async (req: IncomingMessage, res: ServerResponse, op: ObservedOperation): Promise<'completed' | 'client_closed' | 'error' | 'drain'> => {
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
      op.recordErrors([{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }]);
      sendTooLarge(res);
      return 'error';
    }
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') {
      // Refused before any event (graphql-sse's own 4xx: a bad method, no query…): no code of ours yet.
      if (init.status >= 400) op.recordErrors([{ extensions: { code: init.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST' } }]);
      res.end(body);
      return init.status >= 400 ? 'error' : 'completed';
    }
    // A client that goes away ends the operation (and its task listener) at once.
    open.add(res);
    let clientGone = false;
    res.once('close', () => {
      clientGone = !drained.has(res) && !res.writableEnded;
      open.delete(res);
      void body.return(undefined);
    });
    for await (const event of body) {
      if (!res.writable) break;
      await new Promise<void>((resolve) => res.write(event, () => resolve()));
    }
    if (drained.has(res)) return 'drain';
    if (clientGone || !res.writable) return 'client_closed';
    res.end();
    return 'completed';
  };
  return Object.assign(route, {
    close: () => {
      for (const res of open) {
        drained.add(res);
        res.end();
      }
    },
  });
}
