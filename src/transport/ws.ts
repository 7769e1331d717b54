/**
 * graphql-ws on `/graphql` (browsers, Sandbox, Apollo Router passthrough mode), sharing the HTTP
 * server's port. The principal and credentials of a socket are fixed at `connection_init`.
 *
 * Observation (src/operation-observer.ts): the upgrade request gets a request id (its `x-request-id`
 * when well-formed, else generated; answered in the 101 response); each `subscribe` is one operation
 * with a request id of its own, logged with the socket's as `connectionRequestId`. Its span continues
 * the `traceparent` of the subscribe message's `extensions`, else of the `connection_init` payload,
 * else of the upgrade request. Parsing, context, execution and every event of a subscription run in
 * the operation (its log scope and span).
 */
import { GraphQLError } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { type WebSocket, WebSocketServer } from 'ws';
import { type RequestContext, requestIdOf } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import { iterateWithin, type ObservedOperation, startOperation } from '../operation-observer.ts';
import { prepareOperation } from './operation.ts';
import { subscribeShared } from './shared-events.ts';
import { GRAPHQL_PATH, headerRecord, type RequestHeaders, type ServeOptions } from './request.ts';

/**
 * graphql-ws accepts refusals from `onSubscribe` only as `instanceof GraphQLError` of the graphql it
 * loaded itself: Node's CommonJS build. A test runner or bundler may give this module the ESM build,
 * a second GraphQLError class, and graphql-ws would then fail the socket instead of answering the
 * subscription with the error. Refusals are built with Node's copy, the same in either case.
 */
const nodeGraphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const WsGraphQLError = nodeGraphql.GraphQLError;

/** Lower-cases a connection_init payload's keys, and lifts a nested `headers` object. */
export function payloadHeaders(params: Readonly<Record<string, unknown>> | undefined): Record<string, string | undefined> {
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

/** The close code sent to every WebSocket when copygraph shuts down (see README: restarts). */
export const WS_RESTART_CODE = 1012;

/**
 * A `subscribe` whose payload is not a GraphQL request (a query that is not a string, variables that
 * are not an object…) would make graphql-ws close the whole socket (4400), ending the client's other
 * subscriptions with it. It is answered here with an `error` for that id only, and not passed on.
 * Registered before graphql-ws's own listener, it sees each message first.
 */
function answerMalformedSubscribes(socket: WebSocket): void {
  const on = socket.on.bind(socket);
  socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
    if (event !== 'message') return on(event, listener);
    return on('message', (data: unknown, ...rest: unknown[]) => {
      const refusal = malformedSubscribe(String(data));
      if (refusal) socket.send(JSON.stringify(refusal));
      else listener(data, ...rest);
    });
  }) as typeof socket.on;
}

function malformedSubscribe(text: string): { id: string; type: 'error'; payload: unknown[] } | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!message || typeof message !== 'object') return undefined;
  const { type, id, payload } = message as { type?: unknown; id?: unknown; payload?: unknown };
  if (type !== 'subscribe' || typeof id !== 'string' || id === '') return undefined;
  const isRecord = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const p = payload as Record<string, unknown> | undefined;
  const problem = !isRecord(p)
    ? 'the payload must be an object'
    : typeof p?.['query'] !== 'string'
      ? 'query must be a string'
      : p?.['variables'] != null && !isRecord(p['variables'])
        ? 'variables must be an object'
        : p?.['operationName'] != null && typeof p['operationName'] !== 'string'
          ? 'operationName must be a string'
          : p?.['extensions'] != null && !isRecord(p['extensions'])
            ? 'extensions must be an object'
            : undefined;
  if (!problem) return undefined;
  return { id, type: 'error', payload: [{ message: `Bad subscribe message: ${problem}.`, extensions: { code: 'BAD_REQUEST' } }] };
}

/** The socket's upgrade request id (set on the request in the `headers` hook below). */
function connectionIdOf(ctx: WsContext): string | undefined {
  const v = (ctx.extra as { request?: { headers: Record<string, unknown> } }).request?.headers['x-request-id'];
  return typeof v === 'string' ? v : undefined;
}

/** Defaults when `ServeOptions.ws` is not given. */
const DEFAULT_WS_LIMITS = { maxPayloadBytes: 1024 * 1024, initTimeoutMs: 5_000, maxSubscriptionsPerSocket: 100, maxSubscriptionsPerKey: 500 };

export interface WsTransport {
  dispose(): Promise<void>;
}

export function createWsTransport(options: ServeOptions, httpServer: Server): WsTransport {
  const limits = options.ws ?? DEFAULT_WS_LIMITS;
  // A larger message closes the socket (1009) before it is parsed.
  const wss = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: limits.maxPayloadBytes });
  wss.on('connection', (socket) => answerMalformedSubscribes(socket));
  // The upgrade request's id, the caller's if well-formed: answered in the 101 and logged with each operation.
  wss.on('headers', (headers, request) => {
    const id = requestIdOf(headerRecord(request)['x-request-id']);
    request.headers['x-request-id'] = id;
    headers.push(`x-request-id: ${id}`);
  });
  let disposing = false;
  const socketHeaders = new WeakMap<WsContext, RequestHeaders>();
  /** Each socket's operations not yet ended, by subscribe id; `errored` ones ended in an error message. */
  const operations = new WeakMap<WsContext, Map<string, ObservedOperation>>();
  const errored = new WeakSet<ObservedOperation>();
  /** The operation an execution belongs to, by its (per-operation) context value. */
  const byContext = new WeakMap<object, ObservedOperation>();
  const endOperation = (ctx: WsContext, id: string, how: 'completed' | 'client_closed' | 'error' | 'drain') => {
    const ops = operations.get(ctx);
    const op = ops?.get(id);
    if (!op) return;
    ops?.delete(id);
    op.end(how);
  };
  /** Subscriptions per principal over all sockets, and per socket; a slot is taken before any await. */
  const perKey = new Map<string, number>();
  const perSocket = new WeakMap<WsContext, Set<string>>();
  const socketPrincipal = new WeakMap<WsContext, string>();
  const refused = new WeakMap<WsContext, GraphQLError>();
  const drop = (ctx: WsContext, id: string) => {
    const slots = perSocket.get(ctx);
    if (!slots?.delete(id)) return;
    const principal = socketPrincipal.get(ctx);
    if (principal === undefined) return;
    const n = (perKey.get(principal) ?? 1) - 1;
    if (n <= 0) perKey.delete(principal);
    else perKey.set(principal, n);
  };
  const limitRefusal = (message: string) => [new WsGraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED' } })];
  const wsServer = useServer<Record<string, unknown>>(
    {
      schema: options.schema,
      // A socket that does not send connection_init in time is closed (4408).
      connectionInitWaitTimeout: limits.initTimeoutMs,
      // Sandbox sends a connection_init without payload before the real one: accept it.
      // Routers in passthrough mode (Apollo Router, Hive Router) forward the client's headers on the
      // upgrade request rather than in the payload: both count, the payload's fields winning.
      onConnect: async (ctx) => {
        const headers = headerRecord(ctx.extra.request);
        for (const [k, v] of Object.entries(payloadHeaders(ctx.connectionParams))) if (v !== undefined) headers[k] = v;
        socketHeaders.set(ctx, headers);
        // Authenticated once here: a socket without a valid key gets its refusal on every subscribe,
        // and nothing else is done for it (no parse, no context, no quota).
        try {
          socketPrincipal.set(ctx, (await options.context(headers)).principal.id);
        } catch (err) {
          const refusal = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
          refused.set(ctx, new WsGraphQLError(refusal.message, { extensions: refusal.extensions }));
        }
        return true;
      },
      onClose: (ctx) => {
        for (const id of [...(perSocket.get(ctx) ?? [])]) drop(ctx, id);
        for (const id of [...(operations.get(ctx)?.keys() ?? [])]) endOperation(ctx, id, disposing ? 'drain' : 'client_closed');
      },
      // Authenticate first (as Apollo Server builds the context before parsing), then parse, validate
      // and coerce the variables with Apollo's error codes, so these read the same as over HTTP.
      onSubscribe: (ctx, id, payload) => {
        const headers = socketHeaders.get(ctx) ?? {};
        const extensions = payload.extensions as Record<string, unknown> | undefined;
        const own = typeof extensions?.['traceparent'] === 'string' ? extensions : undefined;
        const op = startOperation({
          transport: 'ws',
          logger: options.operationLogger,
          requestId: randomUUID(),
          // Set (validated or generated) on the upgrade request itself, never taken from the payload.
          connectionRequestId: connectionIdOf(ctx),
          traceparent: own ? (own['traceparent'] as string) : headers['traceparent'],
          tracestate: own ? (typeof own['tracestate'] === 'string' ? own['tracestate'] : undefined) : headers['tracestate'],
          wsOperationId: id.slice(0, 64),
        });
        let ops = operations.get(ctx);
        if (!ops) operations.set(ctx, (ops = new Map()));
        ops.set(id, op);
        op.identify(undefined, typeof payload.operationName === 'string' ? payload.operationName : null);
        op.principal(socketPrincipal.get(ctx));
        return op.run(async () => {
          const answer = await admit(ctx, id, payload, op);
          // A refusal: graphql-ws sends it as this id's `error` and never runs or completes the operation.
          if ('contextValue' in answer) byContext.set(answer.contextValue, op);
          else {
            op.recordErrors(answer);
            endOperation(ctx, id, 'error');
          }
          return answer;
        });
      },
      execute: (args) => {
        const op = byContext.get(args.contextValue as object);
        return op ? op.run(() => nodeGraphql.execute(args)) : nodeGraphql.execute(args);
      },
      subscribe: async (args) => {
        const op = byContext.get(args.contextValue as object);
        // Each event executed once per audience (same event, document, principal; no own credentials).
        if (!op) return subscribeShared(args);
        const result = await op.run(() => subscribeShared(args));
        return Symbol.asyncIterator in result ? iterateWithin(op, result) : result;
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        // A streaming result is a subscription: counted open until graphql-ws completes it (it always does).
        if (Symbol.asyncIterator in result) operations.get(ctx)?.get(id)?.streaming();
      },
      onComplete: (ctx, id) => {
        drop(ctx, id);
        const op = operations.get(ctx)?.get(id);
        if (!op) return;
        // Still listed: the server finished it. Gone: the client completed it, or the socket closed.
        const how = errored.has(op) ? 'error' : id in ctx.subscriptions ? 'completed' : disposing ? 'drain' : 'client_closed';
        endOperation(ctx, id, how);
      },
      onError: (ctx, id, _payload, errors) => {
        drop(ctx, id);
        const op = operations.get(ctx)?.get(id);
        if (op) {
          op.recordErrors(errors);
          errored.add(op);
        }
        const format = () => errors.map((e) => options.formatError(e.toJSON(), e));
        return op ? op.run(format) : format();
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const op = operations.get(ctx)?.get(id);
        op?.recordResult(result);
        if (!result.errors) return undefined;
        const format = () => {
          const formatted = (result.errors ?? []).map((e) => options.formatError(e.toJSON(), e));
          return { data: result.data ?? null, errors: formatted, ...(result.extensions ? { extensions: result.extensions } : {}) };
        };
        return op ? op.run(format) : format();
      },
    },
    wss,
  );
  /** The checks, the context and the preparation of one subscribe (in its operation's scope). */
  async function admit(ctx: WsContext, id: string, payload: Parameters<typeof prepareOperation>[1], op: ObservedOperation) {
    const refused_ = refused.get(ctx);
    if (refused_) return [refused_];
    let slots = perSocket.get(ctx);
    if (!slots) perSocket.set(ctx, (slots = new Set()));
    if (slots.size >= limits.maxSubscriptionsPerSocket) return limitRefusal(`At most ${limits.maxSubscriptionsPerSocket} subscriptions per socket.`);
    const principal = socketPrincipal.get(ctx) ?? '';
    const live = perKey.get(principal) ?? 0;
    if (live >= limits.maxSubscriptionsPerKey) return limitRefusal(`At most ${limits.maxSubscriptionsPerKey} subscriptions per API key.`);
    // Taken now, synchronously: concurrent subscribes cannot all pass the checks above.
    slots.add(id);
    perKey.set(principal, live + 1);
    let contextValue: RequestContext;
    try {
      contextValue = await options.context(socketHeaders.get(ctx) ?? {});
    } catch (err) {
      drop(ctx, id);
      const refusal = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
      return [new WsGraphQLError(refusal.message, { extensions: refusal.extensions })];
    }
    const prepared = prepareOperation(options.schema, payload, { validationRules: options.validationRules, maxTokens: options.parseOptions?.maxTokens });
    if (!prepared.ok) {
      drop(ctx, id);
      return prepared.errors;
    }
    op.resolve(prepared.operation.document, prepared.operation.operationName);
    op.principal(contextValue.principal.id);
    return { schema: options.schema, ...prepared.operation, contextValue };
  }
  return {
    // Close code 1012 "Service Restart" (RFC 6455 registry): the server is restarting, reconnect.
    // graphql-ws clients (and gateways using them) retry on it, as on 1001; it says more.
    dispose: async () => {
      disposing = true;
      const sockets = [...wss.clients];
      for (const socket of sockets) socket.close(WS_RESTART_CODE, 'Service Restart');
      // A peer that does not answer the closing handshake is cut off rather than holding the drain.
      const cutOff = setTimeout(() => {
        for (const socket of sockets) socket.terminate();
      }, 1_000);
      cutOff.unref();
      await wsServer.dispose();
      clearTimeout(cutOff);
    },
  };
}
