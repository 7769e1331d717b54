/**
 * graphql-ws on `/graphql` (browsers, Sandbox, Apollo Router passthrough mode), sharing the HTTP
 * server's port. The principal and credentials of a socket are fixed at `connection_init`.
 */
import { GraphQLError } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import { subscriptionOpened } from '../core/metrics.ts';
import { GRAPHQL_PATH, headerRecord, type RequestHeaders, type ServeOptions } from './request.ts';

/**
 * graphql-ws accepts refusals from `onSubscribe` only as `instanceof GraphQLError` of the graphql it
 * loaded itself: Node's CommonJS build. A test runner or bundler may give this module the ESM build,
 * a second GraphQLError class, and graphql-ws would then fail the socket instead of answering the
 * subscription with the error. Refusals are built with Node's copy, the same in either case.
 */
const WsGraphQLError = (createRequire(import.meta.url)('graphql') as typeof import('graphql')).GraphQLError;

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

export interface WsTransport {
  dispose(): Promise<void>;
}

export function createWsTransport(options: ServeOptions, httpServer: Server): WsTransport {
  const wss = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const socketHeaders = new WeakMap<WsContext, RequestHeaders>();
  const wsContexts = new WeakMap<WsContext, Map<string, RequestContext>>();
  const openStreams = new WeakMap<WsContext, Map<string, () => void>>();
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
      onOperation: (ctx, id, _payload, _args, result) => {
        // A streaming result is a subscription: counted open until graphql-ws completes it (it always does).
        if (!(Symbol.asyncIterator in result)) return;
        let open = openStreams.get(ctx);
        if (!open) openStreams.set(ctx, (open = new Map()));
        open.set(id, subscriptionOpened('ws'));
      },
      onComplete: (ctx, id) => {
        wsContexts.get(ctx)?.delete(id);
        openStreams.get(ctx)?.get(id)?.();
        openStreams.get(ctx)?.delete(id);
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
  return { dispose: () => wsServer.dispose() as Promise<void> };
}
