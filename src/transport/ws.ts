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
import { prepareOperation } from './operation.ts';
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

/** The close code sent to every WebSocket when copygraph shuts down (see README: restarts). */
export const WS_RESTART_CODE = 1012;

export interface WsTransport {
  dispose(): Promise<void>;
}

export function createWsTransport(options: ServeOptions, httpServer: Server): WsTransport {
  const wss = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const socketHeaders = new WeakMap<WsContext, RequestHeaders>();
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
      // Authenticate first (as Apollo Server builds the context before parsing), then parse, validate
      // and coerce the variables with Apollo's error codes, so these read the same as over HTTP.
      onSubscribe: async (ctx, _id, payload) => {
        let contextValue: RequestContext;
        try {
          contextValue = await options.context(socketHeaders.get(ctx) ?? {});
        } catch (err) {
          const refusal = isGraphQLError(err) ? err : new GraphQLError('Unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
          return [new WsGraphQLError(refusal.message, { extensions: refusal.extensions })];
        }
        const prepared = prepareOperation(options.schema, payload);
        if (!prepared.ok) return prepared.errors;
        return { schema: options.schema, ...prepared.operation, contextValue };
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        // A streaming result is a subscription: counted open until graphql-ws completes it (it always does).
        if (!(Symbol.asyncIterator in result)) return;
        let open = openStreams.get(ctx);
        if (!open) openStreams.set(ctx, (open = new Map()));
        open.set(id, subscriptionOpened('ws'));
      },
      onComplete: (ctx, id) => {
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
  return {
    // Close code 1012 "Service Restart" (RFC 6455 registry): the server is restarting, reconnect.
    // graphql-ws clients (and gateways using them) retry on it, as on 1001; it says more.
    dispose: async () => {
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
