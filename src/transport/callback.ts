/**
 * Apollo Router's HTTP callback protocol for subscriptions: the router POSTs the subscription with a
 * callback URL, and events go back to it as `check`, `next`, `complete` and heartbeats, through Apollo
 * Server's own plugin.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginSubscriptionCallback, type ApolloServerPluginSubscriptionCallbackOptions } from '@apollo/server/plugin/subscriptionCallback';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { RequestContext } from '../context.ts';
import { subscriptionOpened } from '../core/metrics.ts';
import type { ServeOptions } from './request.ts';

type Fetcher = NonNullable<ApolloServerPluginSubscriptionCallbackOptions['fetcher']>;

/**
 * What a `complete` sent while copygraph drains carries: Apollo's plugin completes every open
 * subscription on shutdown, which a router would pass on as a normal end. With this error the client
 * learns the stream was cut (the task is not final) and subscribes again.
 */
export const RESTART_ERROR = { message: 'copygraph is restarting: subscribe again.', extensions: { code: 'SERVICE_RESTART' } } as const;

/**
 * The callback plugin posts raw graphql-js results to the router, bypassing `formatError`. This
 * fetcher passes every error in a `next` payload or a `complete` through the same masking first.
 * Only the serialized error is left at this point, so it is rebuilt as a GraphQLError: a deliberate
 * code (NOT_FOUND, UNAUTHENTICATED…) passes, anything else becomes INTERNAL_SERVER_ERROR.
 */

function maskingFetcher(formatError: ServeOptions['formatError'], draining: () => boolean): Fetcher {
  // Subscriptions held for the router (the gauge): open once a `check` succeeds, closed by `complete` or a 404.
  const open = new Map<string, () => void>();
  const track = (id: string | undefined, action: string | undefined, status: number) => {
    if (id === undefined) return;
    if (action === 'complete' || status === 404) {
      open.get(id)?.();
      open.delete(id);
    } else if (action === 'check' && status < 300 && !open.has(id)) open.set(id, subscriptionOpened('callback'));
  };
  const mask = (errors: unknown): unknown =>
    Array.isArray(errors) ? errors.map((e: GraphQLFormattedError) => formatError(e, new GraphQLError(e.message, { extensions: e.extensions ?? {} }))) : errors;
  // The plugin only ever POSTs JSON strings with a plain header record.
  return (url, init = {}) => {
    let sent: { id?: string; action?: string } = {};
    let body = typeof init.body === 'string' ? init.body : init.body?.toString('utf8');
    if (body !== undefined) {
      const message = JSON.parse(body) as { id?: string; action?: string; payload?: { errors?: unknown }; errors?: unknown };
      sent = message;
      if (message.errors) message.errors = mask(message.errors);
      if (message.payload?.errors) message.payload.errors = mask(message.payload.errors);
      if (message.action === 'complete' && draining()) message.errors = [...(Array.isArray(message.errors) ? message.errors : []), RESTART_ERROR];
      body = JSON.stringify(message);
    }
    return fetch(url, {
      method: init.method ?? 'POST',
      headers: init.headers ?? {},
      ...(body === undefined ? {} : { body }),
      signal: init.signal ?? null,
    }).then((res) => {
      track(sent.id, sent.action, res.status);
      return res;
    });
  };
}

/**
 * The callback plugins, in order: the first only notes that the server drains (Apollo starts every
 * plugin's `drainServer` in plugin order, so the flag is set before Apollo's plugin completes the
 * open subscriptions).
 */
export function createCallbackPlugins(options: ServeOptions): ApolloServerPlugin<RequestContext>[] {
  let draining = false;
  const drainFlag: ApolloServerPlugin<RequestContext> = {
    async serverWillStart() {
      return {
        async drainServer() {
          draining = true;
        },
      };
    },
  };
  const callback = ApolloServerPluginSubscriptionCallback({ logger: options.logger, fetcher: maskingFetcher(options.formatError, () => draining) });
  return [drainFlag, callback as ApolloServerPlugin<RequestContext>];
}
