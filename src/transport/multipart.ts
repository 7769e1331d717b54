/**
 * Subscriptions over Apollo's multipart HTTP protocol (`accept: multipart/mixed;subscriptionSpec=1.0`):
 * what Apollo Client's HttpLink sends for a subscription when no WebSocket link is set up, and the
 * protocol Hive Router prefers towards subgraphs. One `multipart/mixed; boundary="graphql"` answer per
 * subscription: each result as a part `{"payload": …}`, a heartbeat part `{}` every few seconds, the
 * closing boundary after the last result. Same authentication, preparation (operation.ts) and masking
 * as every other transport. On drain the answer ends without the closing boundary, which clients
 * read as an interrupted stream (Apollo Client: "premature end of multipart body") and resubscribe.
 */
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import type { ObservedOperation, SubscriptionEnd } from '../operation-observer.ts';
import { prepareOperation, requestError } from './operation.ts';
import { headerRecord, type ServeOptions, sendPlain, startRequestOperation } from './request.ts';

const { subscribe, getOperationAST, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const BOUNDARY = 'graphql';
const HEARTBEAT_MS = 5_000;

/** Whether a request asks for Apollo's multipart subscription protocol. */
export function wantsMultipartSubscription(accept: string | undefined): boolean {
  return /multipart\/mixed/i.test(accept ?? '') && /subscriptionSpec/i.test(accept ?? '');
}

/** Whether a parsed request body is a subscription (cheaply: only subscriptions take this route). */
export function isSubscriptionRequest(body: unknown): body is { query: string; variables?: Record<string, unknown>; operationName?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  try {
    return getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

export interface MultipartRoute {
  (req: IncomingMessage, res: ServerResponse, body: { query: string; variables?: Record<string, unknown>; operationName?: string }): Promise<void>;
  /** Ends every open answer without its closing boundary (the server is draining). */
  close(): void;
}

export function createMultipartRoute(options: ServeOptions): MultipartRoute {
  const open = new Set<ServerResponse>();
  const json = (res: ServerResponse, status: number, errors: GraphQLFormattedError[]) =>
    sendPlain(res, status, JSON.stringify({ errors }), 'application/json; charset=utf-8');
  const format = (errors: readonly unknown[]) =>
    errors.map((e) => options.formatError((isGraphQLError(e) ? e.toJSON() : { message: String(e) }) as GraphQLFormattedError, e));

  const drained = new WeakSet<ServerResponse>();
  /** One observed operation per request (src/operation-observer.ts), from authentication to the last part. */
  const route = (req: IncomingMessage, res: ServerResponse, body: { query: string; variables?: Record<string, unknown>; operationName?: string }) => {
    const op = startRequestOperation('multipart', req, options.operationLogger);
    op.identify('subscription', typeof body.operationName === 'string' ? body.operationName : null);
    return op.run(async () => {
      let how: SubscriptionEnd = 'error';
      try {
        how = await answer(req, res, body, op);
      } finally {
        op.end(how);
      }
    });
  };
  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: { query: string; variables?: Record<string, unknown>; operationName?: string },
    op: ObservedOperation,
  ): Promise<SubscriptionEnd> => {
    let contextValue: RequestContext;
    try {
      contextValue = await options.context(headerRecord(req));
    } catch (err) {
      const error = isGraphQLError(err) ? err : requestError('Unauthenticated', 'UNAUTHENTICATED');
      op.recordErrors([error]);
      res.setHeader('www-authenticate', 'Bearer realm="copygraph"');
      json(res, 401, format([error]));
      return 'error';
    }
    op.principal(contextValue.principal.id);
    const prepared = prepareOperation(options.schema, body, { validationRules: options.validationRules, maxTokens: options.parseOptions?.maxTokens });
    // Request errors as a plain JSON answer (200: see graphql-over-http.ts), as Apollo Router does.
    if (!prepared.ok) {
      op.recordErrors(prepared.errors);
      json(res, 200, format(prepared.errors));
      return 'error';
    }
    op.resolve(prepared.operation.document, prepared.operation.operationName);
    const result = await subscribe({ schema: options.schema, ...prepared.operation, contextValue });

    res.writeHead(200, { 'content-type': `multipart/mixed; boundary="${BOUNDARY}"; subscriptionSpec="1.0"`, 'cache-control': 'no-cache' });
    // Every part is followed by its boundary at once, so a client reads it without waiting for the
    // next one; `--` after the last boundary closes the body.
    res.write(`\r\n--${BOUNDARY}`);
    const part = (value: unknown) =>
      new Promise<void>((resolve) =>
        res.write(`\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(value)}\r\n--${BOUNDARY}`, () => resolve()),
      );
    const payload = (r: ExecutionResult) => (r.errors ? { ...r, errors: format(r.errors) } : r);
    if (!(Symbol.asyncIterator in result)) {
      // The subscription never started (NOT_FOUND for someone else's task): its errors, then the end.
      op.recordErrors(result.errors);
      await part({ payload: payload(result) });
      res.end('--\r\n');
      return result.errors ? 'error' : 'completed';
    }
    op.streaming();
    open.add(res);
    const heartbeat = setInterval(() => void part({}), HEARTBEAT_MS);
    heartbeat.unref();
    // A client that goes away (or a drain) ends the subscription and its task listener at once.
    let clientGone = false;
    res.once('close', () => {
      // Closed before its closing boundary was written, and not by a drain: the client went away.
      clientGone = !res.writableEnded;
      clearInterval(heartbeat);
      open.delete(res);
      void result.return?.(undefined);
    });
    for await (const next of result) {
      if (!res.writable) break;
      op.recordErrors(next.errors);
      await part({ payload: payload(next) });
    }
    clearInterval(heartbeat);
    open.delete(res);
    if (drained.has(res)) return 'drain';
    // Still writable: the stream finished (the final state was sent), not cut by the client.
    if (clientGone || !res.writable) return 'client_closed';
    res.end('--\r\n');
    return 'completed';
  };
  return Object.assign(route, {
    close: () => {
      for (const res of open) {
        drained.add(res);
        open.delete(res);
        // No closing boundary: the client knows the stream was cut, not finished.
        res.end();
      }
    },
  });
}
