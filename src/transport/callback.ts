/**
 * Apollo Router's HTTP callback protocol for subscriptions: the router POSTs the subscription with a
 * callback URL, and events go back to it as `check`, `next`, `complete` and heartbeats, through Apollo
 * Server's own plugin.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginSubscriptionCallback, type ApolloServerPluginSubscriptionCallbackOptions } from '@apollo/server/plugin/subscriptionCallback';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { RequestContext } from '../context.ts';
import { CallbackObserver } from '../operation-observer.ts';
import type { ServeOptions } from './request.ts';

type Fetcher = NonNullable<ApolloServerPluginSubscriptionCallbackOptions['fetcher']>;

/**
 * Whether a router callback URL is on the allowlist: equal to an entry, or under an entry that ends in
 * `/` (a prefix). Compared as parsed URLs, so `http://a/cb/../admin` or `http://a/cb@evil` cannot pass
 * for `http://a/cb/`. No entries: nothing is allowed (the protocol is off).
 */
export function callbackUrlAllowed(allowed: readonly string[], callbackUrl: unknown): boolean {
  if (typeof callbackUrl !== 'string') return false;
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return false;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return false;
  return allowed.some((entry) => {
    const base = new URL(entry);
    if (base.origin !== url.origin) return false;
    if (base.href === url.href) return true;
    return base.href.endsWith('/') && url.href.startsWith(base.href);
  });
}

const refusal = (): GraphQLError =>
  new GraphQLError('This callbackUrl is not an allowed router callback URL (COPYGRAPH_CALLBACK_URLS); nothing was sent to it.', {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });

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

function maskingFetcher(formatError: ServeOptions['formatError'], draining: () => boolean, allowed: readonly string[], observer: CallbackObserver): Fetcher {
  const mask = (errors: unknown[]): unknown[] =>
    Array.isArray(errors)
      ? errors.map((e) =>
          formatError(
            e as GraphQLFormattedError,
            new GraphQLError((e as GraphQLFormattedError).message, { extensions: (e as GraphQLFormattedError).extensions ?? {} }),
          ),
        )
      : errors;
  // The plugin only ever POSTs JSON strings with a plain header record.
  return async (url, init = {}) => {
    // Checked again at every call: nothing reaches a URL off the allowlist, whatever the plugin does.
    if (!callbackUrlAllowed(allowed, url)) throw refusal();
    let sent: { id?: string; action?: string; payload?: { errors?: unknown[] }; errors?: unknown[] } = {};
    let body = typeof init.body === 'string' ? init.body : init.body?.toString('utf8');
    if (body !== undefined) {
      const message = JSON.parse(body) as { id?: string; action?: string; payload?: { errors?: unknown[] }; errors?: unknown[] };
      sent = message;
      if (message.errors) message.errors = mask(message.errors);
      if (message.payload?.errors) message.payload.errors = mask(message.payload.errors);
      if (message.action === 'complete' && draining()) message.errors = [...(Array.isArray(message.errors) ? message.errors : []), RESTART_ERROR];
      body = JSON.stringify(message);
    }
    // Redirects are not followed: a 3xx is an answer like any other non-2xx (the plugin gives up).
    return fetch(url, {
      method: init.method ?? 'POST',
      headers: init.headers ?? {},
      ...(body === undefined ? {} : { body }),
      signal: init.signal ?? null,
      redirect: 'manual',
    }).then(
      (res) => {
        // The observer reports the subscription (log line, metrics, span, the `callback` gauge).
        observer.sent(sent.id, sent, res.status, draining());
        return res;
      },
      (err: unknown) => {
        observer.sent(sent.id, sent, undefined, draining());
        throw err;
      },
    );
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
  const allowed = options.callbackUrls ?? [];
  const observer = new CallbackObserver(options.operationLogger);
  const inner = ApolloServerPluginSubscriptionCallback({
    logger: options.logger,
    fetcher: maskingFetcher(options.formatError, () => draining, allowed, observer),
  }) as ApolloServerPlugin<RequestContext>;
  // Behind the allowlist: a request naming a callback URL that is not allowed never reaches Apollo's
  // plugin (no `check`, no heartbeat, nothing sent) and is refused FORBIDDEN.
  const callback: ApolloServerPlugin<RequestContext> = {
    ...inner,
    async requestDidStart(requestContext) {
      const extension = requestContext.request.extensions?.['subscription'] as Record<string, unknown> | undefined;
      if (!extension) return undefined;
      const callbackUrl = extension['callbackUrl'] || extension['callback_url'];
      if (!callbackUrlAllowed(allowed, callbackUrl)) {
        return {
          async didResolveOperation() {
            throw refusal();
          },
        };
      }
      return inner.requestDidStart?.(requestContext);
    },
  };
  return [drainFlag, observer.plugin(), callback];
}
