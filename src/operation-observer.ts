/**
 * What operators see of each GraphQL operation, whatever transport carried it: its metrics (count and
 * duration by type, name and transport; each root field's result by `__typename` / error code), its
 * trace span (name, attributes, outcome) and one structured log line (operation, principal, duration,
 * outcome, transport, request and trace ids). One place for all transports:
 *
 * - HTTP through Apollo (`createOperationObserver`, an Apollo plugin): the HTTP request's span and log
 *   scope are opened by `transport/http.ts`; the plugin reports each operation through `reportOperation`.
 * - graphql-ws, graphql-sse, multipart HTTP subscriptions, router callbacks: `startOperation` opens
 *   an `ObservedOperation` (its own SERVER span continuing a `traceparent`, its log scope); the
 *   transport runs the operation's work inside `run()`, feeds it what it learns (`resolve`,
 *   `identify`, `recordErrors`, `streaming`) and calls `end()` once, which reports it.
 *
 * A subscription is reported once, when it ends: its duration is its lifetime, its outcome the first
 * error code any of its results carried (else `ok`), and `ended` says how it ended (`completed`,
 * `client_closed`, `error`, `drain`); see the README, "Operating copygraph".
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Span } from '@opentelemetry/api';
import type { DocumentNode, GraphQLError, OperationDefinitionNode } from 'graphql';
import { createRequire } from 'node:module';
import type { RequestContext } from './context.ts';
import { type LogScope, type Logger, withLogScope } from './core/logger.ts';
import {
  countSubscriptionEnded,
  type OperationTransport,
  observeOperation,
  observeRootResult,
  type SubscriptionEnd,
  subscriptionOpened,
} from './core/metrics.ts';
import { annotateOperation, currentTraceparent, inTraceContext, type OperationSpan, startOperationSpan, traceIdOf } from './core/tracing.ts';

export type { OperationTransport, SubscriptionEnd } from './core/metrics.ts';

/** Node's CommonJS graphql, the copy the transports parse with (see transport/operation.ts). */
const { getOperationAST } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

function codeOf(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } } | null | undefined)?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** One operation as reported: to the metrics, the span and the log line. */
export interface OperationReport {
  readonly transport: OperationTransport;
  readonly type: string | undefined;
  readonly name: string | undefined | null;
  readonly principal: string | null | undefined;
  readonly seconds: number;
  /** `ok` or the first error code. */
  readonly outcome: string;
  readonly errorCodes?: readonly string[] | undefined;
  /** Root field → `__typename` of its result, or `error:<code>` (HTTP through Apollo). */
  readonly results?: Readonly<Record<string, string>> | undefined;
  /** Subscriptions: how it ended. */
  readonly ended?: SubscriptionEnd | undefined;
  /** graphql-ws: the `id` of the client's `subscribe` message (at most 64 characters). */
  readonly wsOperationId?: string | undefined;
}

/**
 * Reports one finished operation: counted and timed, its span (the given one, else the active one)
 * named and marked, and its line logged. The request and trace ids come with the log scope the
 * caller runs this in.
 */
export function reportOperation(logger: Logger | undefined, r: OperationReport, span?: Span): void {
  observeOperation({ type: r.type, name: r.name, outcome: r.outcome, seconds: r.seconds, transport: r.transport });
  annotateOperation(r.type, r.name, r.outcome, span);
  if (r.ended !== undefined) span?.setAttribute('copygraph.subscription.ended', r.ended);
  logger?.info(
    {
      operationType: r.type ?? null,
      operationName: r.name ?? null,
      principal: r.principal ?? null,
      durationMs: Math.round(r.seconds * 1_000_000) / 1000,
      outcome: r.outcome,
      transport: r.transport,
      ...(r.errorCodes && r.errorCodes.length > 0 ? { errorCodes: r.errorCodes } : {}),
      ...(r.results ? { results: r.results } : {}),
      ...(r.ended !== undefined ? { ended: r.ended } : {}),
      ...(r.wsOperationId !== undefined ? { wsOperationId: r.wsOperationId } : {}),
    },
    'graphql operation',
  );
}

export interface OperationStart {
  readonly transport: Exclude<OperationTransport, 'http'>;
  /** Where the line goes (absent: no line, metrics and span only). */
  readonly logger?: Logger | undefined;
  /** This operation's request id (SSE, multipart, callback: the HTTP request's; graphql-ws: one per operation). */
  readonly requestId: string;
  /** graphql-ws: the socket's upgrade request id. */
  readonly connectionRequestId?: string | undefined;
  /** The W3C trace context to continue. */
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
  readonly wsOperationId?: string | undefined;
}

/** One operation of a streaming transport, from its arrival to its end. */
export class ObservedOperation {
  readonly #start: OperationStart;
  readonly #span: OperationSpan;
  readonly #started = performance.now();
  /** The ids every line logged while serving it carries. */
  readonly scope: LogScope;
  #type: string | undefined;
  #name: string | null | undefined;
  #principal: string | undefined;
  #codes: string[] | undefined;
  #operation: OperationDefinitionNode | undefined;
  #results: Record<string, string> | undefined;
  #closeGauge: (() => void) | undefined;
  #ended = false;

  constructor(start: OperationStart) {
    this.#start = start;
    this.#span = startOperationSpan(start, start.transport);
    const traceId = traceIdOf(this.#span.span, start.traceparent);
    this.scope = { requestId: start.requestId, traceId, connectionRequestId: start.connectionRequestId };
  }

  get ended(): boolean {
    return this.#ended;
  }

  get type(): string | undefined {
    return this.#type;
  }

  /** Runs `fn` as part of this operation: its spans are children of the operation's, its log lines carry its ids. */
  run<T>(fn: () => T): T {
    return inTraceContext(this.#span.context, () => withLogScope(this.scope, fn));
  }

  /** The operation's type and name, from its parsed document. */
  resolve(document: DocumentNode, operationName: string | null | undefined): void {
    const op = getOperationAST(document, operationName ?? undefined);
    this.#operation = op ?? undefined;
    this.identify(op?.operation, operationName ?? op?.name?.value ?? null);
  }

  /**
   * One result sent to the client: its errors recorded and, for a query or mutation, each root
   * field's result counted as over HTTP (by `__typename` when selected, else `value` / `null`).
   */
  recordResult(result: { readonly data?: unknown; readonly errors?: readonly unknown[] | undefined }): void {
    this.recordErrors(result.errors);
    const op = this.#operation;
    if (!op || op.operation === 'subscription' || this.#results) return;
    const data = (result.data ?? null) as Record<string, unknown> | null;
    const results: Record<string, string> = {};
    for (const sel of op.selectionSet.selections) {
      if (sel.kind !== 'Field') continue;
      const key = sel.alias?.value ?? sel.name.value;
      const error = result.errors?.find((e) => (e as { path?: readonly unknown[] }).path?.[0] === key);
      const value = data ? data[key] : undefined;
      observeRootResult(sel.name.value, value, error);
      const typename = (value as { __typename?: unknown } | null | undefined)?.__typename;
      results[key] = error ? `error:${codeOf(error)}` : typeof typename === 'string' ? typename : value == null ? 'null' : 'value';
    }
    this.#results = results;
  }

  identify(type: string | undefined, name: string | null | undefined): void {
    this.#type = type;
    this.#name = name;
    annotateOperation(type, name, undefined, this.#span.span);
  }

  /** The authenticated caller (an id, never a key). */
  principal(id: string | undefined): void {
    this.#principal = id;
  }

  /** Errors of a result or a refusal: the first code becomes the outcome; every distinct code is listed. */
  recordErrors(errors: readonly unknown[] | null | undefined): void {
    if (!errors || errors.length === 0) return;
    this.#codes ??= [];
    for (const e of errors) {
      const code = codeOf(e);
      if (!this.#codes.includes(code)) this.#codes.push(code);
    }
  }

  /** The operation streams (a subscription): counted in `copygraph_subscriptions_active` until it ends. */
  streaming(): void {
    const t = this.#start.transport;
    this.#closeGauge ??= subscriptionOpened(t === 'ws' || t === 'sse' || t === 'multipart' ? t : 'callback');
  }

  /**
   * Ends the operation once (later calls do nothing): reports it and ends its span. `how` is only
   * reported for subscriptions (an operation that `streaming()` was called for, or of type subscription).
   */
  end(how: SubscriptionEnd = 'completed'): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closeGauge?.();
    const subscription = this.#closeGauge !== undefined || this.#type === 'subscription';
    if (how === 'error' && !this.#codes) this.#codes = ['INTERNAL_SERVER_ERROR'];
    const start = this.#start;
    if (subscription) countSubscriptionEnded(start.transport, how);
    const report: OperationReport = {
      transport: start.transport,
      type: this.#type,
      name: this.#name,
      principal: this.#principal,
      seconds: (performance.now() - this.#started) / 1000,
      outcome: this.#codes?.[0] ?? 'ok',
      errorCodes: this.#codes,
      results: this.#results,
      ended: subscription ? how : undefined,
      wsOperationId: start.wsOperationId,
    };
    this.run(() => reportOperation(start.logger, report, this.#span.span));
    this.#span.span.end();
  }
}

/** Opens the observation of one operation of a streaming transport (see `ObservedOperation`). */
export function startOperation(start: OperationStart): ObservedOperation {
  return new ObservedOperation(start);
}

/**
 * An async iterator whose `next` / `return` run inside the operation (a subscription's resolver
 * resumes in whoever calls `next`: without this its log lines and spans would lose the operation).
 */
export function iterateWithin<T>(op: ObservedOperation, source: AsyncIterableIterator<T> | AsyncGenerator<T>): AsyncGenerator<T> {
  const it: AsyncGenerator<T> = {
    next: () => op.run(() => source.next()),
    return: (value?: unknown) => op.run(() => (source.return ? source.return(value as never) : Promise.resolve({ done: true, value: undefined as never }))),
    throw: (err?: unknown) => op.run(() => (source.throw ? source.throw(err) : Promise.reject(err))),
    [Symbol.asyncIterator]() {
      return it;
    },
  } as AsyncGenerator<T>;
  return it;
}

/** HTTP through Apollo: reports each operation of a request (a batch has several) from Apollo's hooks. */
export function createOperationObserver(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async contextCreationDidFail({ error }) {
      // No context: the caller was refused (no or a wrong API key) before the operation was read.
      const outcome = codeOf(error as GraphQLError);
      reportOperation(undefined, { transport: 'http', type: undefined, name: undefined, principal: null, outcome, seconds: 0 });
      logger.info({ outcome, transport: 'http' }, 'graphql request refused');
    },
    async requestDidStart({ request }) {
      const started = performance.now();
      let type: string | undefined;
      let name: string | undefined | null = request.operationName;
      const results: Record<string, string> = {};
      return {
        async didResolveOperation({ operation, operationName }) {
          type = operation?.operation;
          name = operationName ?? operation?.name?.value ?? null;
          annotateOperation(type, name);
        },
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              if (info.path.prev !== undefined) return;
              const field = info.path.key;
              return (error, result) => {
                observeRootResult(info.fieldName, result, error);
                const typename = (result as { __typename?: unknown } | null | undefined)?.__typename;
                results[String(field)] = error ? `error:${codeOf(error)}` : typeof typename === 'string' ? typename : 'value';
              };
            },
          };
        },
        async willSendResponse({ errors, contextValue }) {
          const first = errors?.[0];
          reportOperation(contextValue.logger ?? logger, {
            transport: 'http',
            type,
            name,
            principal: contextValue.principal?.id,
            seconds: (performance.now() - started) / 1000,
            outcome: first ? codeOf(first) : 'ok',
            errorCodes: errors && errors.length > 0 ? [...new Set(errors.map(codeOf))] : undefined,
            results,
          });
        },
      };
    },
  };
}

/** What a router callback subscription is known by when its request arrives (Apollo's `requestDidStart`). */
export interface CallbackSubscriptionStart {
  /** The request's `requestId` (`contextValue.requestId`). */
  readonly requestId: string;
  readonly principal: string | undefined;
  readonly operationName: string | null | undefined;
  /** `currentTraceparent()` while the request is served: the callback span is a child of the request's. */
  readonly traceparent: string | undefined;
}

/**
 * Router callback subscriptions (Apollo's callback plugin, `transport/callback.ts`): the subscribing
 * request is an HTTP operation (reported by the Apollo plugin); the subscription it starts lives on
 * in callbacks to the router and is reported here when it ends, as on the other transports
 * (`transport: callback`). Feed it the subscription's start and every message sent to the router.
 */
export class CallbackObserver {
  readonly #logger: Logger | undefined;
  readonly #open = new Map<string, ObservedOperation>();

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  /** The subscribing request (extension `subscriptionId` / `subscription_id`) passed the allowlist. */
  begin(subscriptionId: string, start: CallbackSubscriptionStart): void {
    if (this.#open.has(subscriptionId)) return;
    const op = startOperation({ transport: 'callback', logger: this.#logger, requestId: start.requestId, traceparent: start.traceparent });
    op.identify('subscription', start.operationName ?? null);
    op.principal(start.principal);
    this.#open.set(subscriptionId, op);
  }

  /**
   * One message sent to the router (`check` — the first one, then heartbeats —, `next`, `complete`)
   * and the router's HTTP status (undefined when the call failed). A subscription let go on drain ends
   * through `stopped` instead: no `complete` is sent for it.
   */
  sent(
    subscriptionId: string | undefined,
    message: {
      readonly action?: string | undefined;
      readonly payload?: { readonly errors?: readonly unknown[] | undefined } | undefined;
      readonly errors?: readonly unknown[] | undefined;
    },
    status: number | undefined,
  ): void {
    const op = subscriptionId === undefined ? undefined : this.#open.get(subscriptionId);
    if (!op || subscriptionId === undefined) return;
    const finish = (how: SubscriptionEnd) => {
      this.#open.delete(subscriptionId);
      op.end(how);
    };
    switch (message.action) {
      case 'check':
        if (status !== undefined && status < 300) op.streaming();
        // The router no longer knows the subscription (404), or refused the first check.
        else if (status === 404) finish('client_closed');
        else if (status !== undefined) {
          op.recordErrors([{ extensions: { code: 'CALLBACK_CHECK_FAILED' } }]);
          finish('error');
        }
        return;
      case 'next':
        op.recordErrors(message.payload?.errors);
        if (status === 404) finish('client_closed');
        return;
      case 'complete': {
        op.recordErrors(message.errors);
        finish(message.errors && message.errors.length > 0 ? 'error' : 'completed');
        return;
      }
      default:
        return;
    }
  }

  /**
   * The subscription stopped on this replica without a `complete` of its own: `drain` (its lease let
   * go, or lost to another replica, which carries it on).
   */
  stopped(subscriptionId: string, how: SubscriptionEnd): void {
    const op = this.#open.get(subscriptionId);
    if (!op) return;
    this.#open.delete(subscriptionId);
    op.end(how);
  }

  /** The subscribing request was answered with errors (refused: no `check` will come). */
  refused(subscriptionId: string, errors: readonly unknown[]): void {
    const op = this.#open.get(subscriptionId);
    if (!op) return;
    this.#open.delete(subscriptionId);
    op.recordErrors(errors);
    op.end('error');
  }

  /**
   * The Apollo plugin that begins each callback subscription when its request arrives (in the
   * request's log scope and span) and ends it as refused if the request is answered with errors.
   */
  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async ({ request, contextValue }) => {
        const extension = request.extensions?.['subscription'] as Record<string, unknown> | undefined;
        const id = extension?.['subscriptionId'] ?? extension?.['subscription_id'];
        if (typeof id !== 'string') return undefined;
        this.begin(id, {
          requestId: contextValue.requestId,
          principal: contextValue.principal?.id,
          operationName: request.operationName,
          traceparent: currentTraceparent(),
        });
        return {
          // The name the document gives the operation, when the request does not name it.
          didResolveOperation: async ({ operationName, operation }) => {
            this.#open.get(id)?.identify('subscription', operationName ?? operation?.name?.value ?? null);
          },
          willSendResponse: async ({ errors }) => {
            if (errors && errors.length > 0) this.refused(id, errors);
          },
        };
      },
    };
  }

  /** Subscriptions begun and not ended (for tests and a shutdown sweep). */
  get size(): number {
    return this.#open.size;
  }
}
