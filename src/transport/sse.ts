/**
 * graphql-sse on `/graphql/stream` (distinct connections mode) for clients that cannot open a
 * WebSocket, with the same authentication, context and masking as the other transports.
 */
import { GraphQLError } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import { BodyTooLarge, headerRecord, readBody, type ServeOptions, sendTooLarge } from './request.ts';

export interface SseRoute {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every open stream with a `complete` event (on drain), so shutdown need not wait for them. */
  dispose(): Promise<void>;
}

export function createSseRoute(options: ServeOptions, maxBodyBytes: number): SseRoute {
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

  /** Open streams, each with the function that ends it cleanly. */
  const open = new Set<() => Promise<void>>();
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
    res.once('close', () => void body.return(undefined));
    let draining = false;
    const end = async () => {
      draining = true;
      // The event graphql-sse itself sends last in distinct connections mode.
      if (res.writable) res.write('event: complete\ndata:\n\n');
      await body.return(undefined);
      res.end();
    };
    open.add(end);
    try {
      for await (const event of body) {
        if (!res.writable || draining) break;
        await new Promise<void>((resolve) => res.write(event, () => resolve()));
      }
    } finally {
      open.delete(end);
    }
    res.end();
  };
  return Object.assign(route, {
    dispose: async () => {
      await Promise.all([...open].map((end) => end()));
    },
  });
}
