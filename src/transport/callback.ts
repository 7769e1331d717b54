/**
 * Apollo Router's HTTP callback protocol for subscriptions (callback/1.0): the router POSTs the
 * subscription with a callback URL, subscription id, verifier and heartbeat interval; copygraph sends
 * `check` to that URL before answering, then heartbeats, `next` events and `complete` there. This module
 * is the request side (allowlist, the subscribing request, what is posted to the router: masked errors,
 * no redirects); `callback-runner.ts` carries the subscriptions, durable in the store, so that any
 * replica carries a subscription on when the one that accepted it is gone.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { z } from 'zod';
import type { RequestContext } from '../context.ts';
import { isGraphQLError } from '../core/errors.ts';
import { CallbackObserver } from '../operation-observer.ts';
import type { CallbackSubscription } from '../tasks/callback-subscriptions.ts';
import { type CallbackExecution, type CallbackMessage, type CallbackPost, CallbackRunner } from './callback-runner.ts';
import { prepareOperation, requestError } from './operation.ts';
import type { ServeOptions } from './request.ts';

/** Node's CommonJS graphql, the copy the schema was built with (see operation.ts). */
const { subscribe } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

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
 * Posts one message to the router: only to an allowed URL (checked at every call), with every error
 * passed through the same masking as on the other transports (a deliberate code such as NOT_FOUND
 * passes; anything else becomes INTERNAL_SERVER_ERROR), never following a redirect (a 3xx is an
 * answer like any other non-2xx). Each call is reported to the observer.
 */
function callbackPost(formatError: ServeOptions['formatError'], allowed: readonly string[], observer: CallbackObserver): CallbackPost {
  const mask = (errors: readonly unknown[]): GraphQLFormattedError[] =>
    errors.map((e) => {
      if (isGraphQLError(e)) return formatError(e.toJSON(), e);
      if (e instanceof Error) return formatError({ message: e.message }, e);
      const formatted = e as GraphQLFormattedError;
      return formatError(formatted, new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} }));
    });
  return async (url, message) => {
    if (!callbackUrlAllowed(allowed, url)) throw refusal();
    const body: CallbackMessage = {
      ...message,
      ...(message.payload?.errors ? { payload: { ...message.payload, errors: mask(message.payload.errors) as never } } : {}),
      ...(message.errors ? { errors: mask(message.errors) } : {}),
    };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(message.action === 'check' ? { 'subscription-protocol': 'callback/1.0' } : {}) },
        body: JSON.stringify(body),
        redirect: 'manual',
      });
      // The body is not read; release the connection.
      await res.body?.cancel().catch(() => {});
      observer.sent(message.id, body, res.status);
      return res.status;
    } catch (err) {
      observer.sent(message.id, body, undefined);
      throw err;
    }
  };
}

/** The subscription extension the router sends (camelCase in callback/1.0 GA; snake_case before). */
const ExtensionSchema = z
  .object({
    callbackUrl: z.string().optional(),
    callback_url: z.string().optional(),
    subscriptionId: z.string().min(1).max(200).optional(),
    subscription_id: z.string().min(1).max(200).optional(),
    verifier: z.string().min(1).max(1000),
    heartbeatIntervalMs: z.number().int().nonnegative().max(3_600_000).optional(),
    heartbeat_interval_ms: z.number().int().nonnegative().max(3_600_000).optional(),
  })
  .passthrough();

/**
 * The callback plugins: the observer's (a log line, metrics and a span per subscription), then the
 * protocol's own, behind the allowlist: a request naming a callback URL that is not allowed is
 * refused FORBIDDEN and nothing is sent to it.
 */
export function createCallbackPlugins(options: ServeOptions): ApolloServerPlugin<RequestContext>[] {
  const allowed = options.callbackUrls ?? [];
  const observer = new CallbackObserver(options.operationLogger);
  const durable = options.callbackSubscriptions;
  const checks = { validationRules: options.validationRules, maxTokens: options.parseOptions?.maxTokens };

  /** A claimed record's operation, run again as its principal (who may have lost every key since). */
  const resume = async (record: CallbackSubscription): Promise<CallbackExecution> => {
    observer.begin(record.id, { requestId: randomUUID(), principal: record.principalId, operationName: record.operationName, traceparent: undefined });
    const contextValue = await durable.principalContext(record.principalId);
    if (!contextValue) return { errors: [requestError('The API key of this subscription is no longer configured.', 'UNAUTHENTICATED')] };
    const prepared = prepareOperation(options.schema, record, checks);
    if (!prepared.ok) return { errors: prepared.errors };
    return subscribe({ schema: options.schema, ...prepared.operation, contextValue });
  };

  const runner = new CallbackRunner({
    store: durable.store,
    holder: durable.holder,
    leaseMs: durable.leaseMs,
    ...(durable.claimEveryMs === undefined ? {} : { claimEveryMs: durable.claimEveryMs }),
    post: callbackPost(options.formatError, allowed, observer),
    resume,
    log: (level, msg, fields) => options.logger[level](`${msg} ${JSON.stringify(fields)}`),
    onStop: (id) => observer.stopped(id, 'drain'),
  });

  const callback: ApolloServerPlugin<RequestContext> = {
    async serverWillStart() {
      // With callbacks off (no allowed URL) there is nothing to carry on.
      if (allowed.length > 0) runner.start();
      return {
        async drainServer() {
          await runner.drain();
        },
      };
    },
    async requestDidStart({ request }) {
      const raw = request.extensions?.['subscription'];
      if (raw === undefined) return undefined;
      const parsed = ExtensionSchema.safeParse(raw);
      const extension = parsed.success ? parsed.data : undefined;
      const callbackUrl = extension?.callbackUrl || extension?.callback_url;
      const id = extension?.subscriptionId ?? extension?.subscription_id;
      // Behind the allowlist: nothing is sent to a URL that is not allowed.
      if (!callbackUrlAllowed(allowed, callbackUrl)) {
        return {
          async didResolveOperation() {
            throw refusal();
          },
        };
      }
      if (!extension || !id || !callbackUrl) {
        return {
          async didResolveOperation() {
            throw new GraphQLError('The subscription extension needs subscriptionId, verifier and callbackUrl (callback/1.0).', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          },
        };
      }
      const heartbeatIntervalMs = extension.heartbeatIntervalMs ?? extension.heartbeat_interval_ms ?? 5_000;
      return {
        // The router is answered `{ data: null }`; the events go to the callback URL.
        async responseForOperation() {
          return {
            http: { status: 200, headers: new HeaderMap([['content-type', 'application/json']]) },
            body: { kind: 'single', singleResult: { data: null } },
          };
        },
        async willSendResponse({ request: req, schema, document, contextValue, operationName, response }) {
          // Refused before execution (validation, variables, auth): the answer tells the router; nothing is sent to it.
          if (response.body.kind !== 'single' || response.body.singleResult.errors?.length || !document) return;
          const fail = (message: string) => {
            if (response.body.kind !== 'single') return;
            const errors = [{ message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
            response.body.singleResult.errors = errors;
            response.http.status = 500;
            observer.refused(id, errors);
          };
          if (!(await runner.check({ callbackUrl, id, verifier: extension.verifier }))) {
            fail('The `check` request to the router callback URL failed.');
            return;
          }
          const record: CallbackSubscription = {
            id,
            callbackUrl,
            verifier: extension.verifier,
            query: req.query ?? '',
            variables: req.variables ?? null,
            operationName: operationName ?? null,
            principalId: contextValue.principal.id,
            heartbeatIntervalMs,
            createdAt: new Date().toISOString(),
          };
          try {
            // This request's own context (its credentials too) while it runs here; another replica
            // carrying it on runs it with the principal's configured credentials only.
            await runner.accept(record, async () =>
              subscribe({ schema, document, variableValues: req.variables ?? {}, contextValue, operationName: operationName ?? null }),
            );
          } catch (err) {
            options.logger.error(`callback subscription not recorded: ${err instanceof Error ? err.message : String(err)}`);
            fail('The subscription could not be recorded; nothing will be sent to the callback URL.');
          }
        },
      };
    },
  };
  return [observer.plugin(), callback];
}
