/**
 * The composition root: services, schema, authentication and transport, wired from one `Config`.
 * `main.ts` runs it as a process; tests and benchmarks start it in-process on port 0.
 */
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Authenticator, type Principal } from './auth.ts';
import type { Config } from './config.ts';
import { type RequestContext, requestIdOf } from './context.ts';
import { InvalidCredentialHeader, mergeCredentials, parseCredentialOverrides, registerCredentialSecrets } from './core/credentials.ts';
import { policyFor } from './core/policy.ts';
import { operationLimits } from './operation-limits.ts';
import { Quotas, quotaCounterFor } from './quotas.ts';
import { maskError } from './core/errors.ts';
import { Loaders } from './loaders.ts';
import { createLogger, currentLogScope, type Logger } from './core/logger.ts';
import { observeTaskStore, registry } from './core/metrics.ts';
import { currentTraceId, startTracing } from './core/tracing.ts';
import { createOperationObserver } from './operation-observer.ts';
import { createPostgresRetentionLock, startRetention } from './tasks/retention.ts';
import { isPostgresStore } from './tasks/store/postgres.ts';
import { serveMetrics } from './transport/metrics.ts';
import { createSchema } from './schema.ts';
import { type RequestHeaders, serve } from './transport/http.ts';

/** How long a drain waits for in-flight requests (main.ts waits longer before forcing the exit). */
export { DRAIN_GRACE_MS } from './transport/http.ts';
import { closeServices, createServices, openSharedEngine, resumeTasks, type ServiceOverrides, type Services } from './services.ts';

export interface AppOptions extends ServiceOverrides {
  readonly logger?: Logger;
  /** How often this replica looks for router callback subscriptions to carry on (default 1 s). */
  readonly callbackClaimEveryMs?: number;
}

export interface App {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Where Prometheus scrapes: `/metrics` on the API's port, or on `COPYGRAPH_METRICS_PORT`. */
  readonly metricsUrl: string;
  readonly services: Services;
  /** Drains HTTP and WebSocket, stops the watcher, closes the store. */
  stop(): Promise<void>;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const tracing = await startTracing(config.tracing);
  const services = createServices(config, logger, { ...options, ...(await openSharedEngine(config, logger, options)) });
  const detachStore = observeTaskStore(services.store);
  // The items of bulk tasks go with their tasks (their tables hold no foreign key to them).
  const retention = startRetention(
    {
      deleteFinishedBefore: async (cutoff, limit) => {
        const deleted = await services.store.deleteFinishedBefore(cutoff, limit);
        if (deleted > 0) await services.items.deleteOrphans(deleted);
        return deleted;
      },
    },
    config.retention,
    (msg, fields) => logger.info(fields, msg),
    isPostgresStore(services.store) ? createPostgresRetentionLock(services.store.pool) : undefined,
  );
  const auth = new Authenticator(config.apiKeys);
  let stopping = false;
  registerCredentialSecrets(config.credentials);
  // Next to the task store's tables (SQLite file or PostgreSQL), so replicas sharing a store share quotas.
  const counter = await quotaCounterFor(services.store);
  const quotas = new Quotas(counter, config.quotas, services.store);
  const limits = operationLimits(config.limits);

  const context = async (headers: RequestHeaders): Promise<RequestContext> => {
    const principal = auth.authenticate(headers['authorization']);
    if (!principal) {
      throw new GraphQLError('A valid copygraph API key is required: send Authorization: Bearer <key>.', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    const quota = await quotas.takeRequest(principal.id);
    if (!quota.allowed) {
      throw new GraphQLError(`Too many requests for this API key (COPYGRAPH_REQUESTS_PER_SECOND); retry in ${quota.retryAfterSeconds} s.`, {
        extensions: {
          code: 'RATE_LIMITED',
          retryAfterSeconds: quota.retryAfterSeconds,
          http: { status: 429, headers: new HeaderMap([['retry-after', String(quota.retryAfterSeconds)]]) as unknown as Record<string, string> },
        },
      });
    }
    return contextFor(principal, headers);
  };

  /** The context of an authenticated principal, with the request's own credential headers, if any. */
  const contextFor = (principal: Principal, headers: RequestHeaders): RequestContext => {
    let requestCredentials: ReturnType<typeof parseCredentialOverrides>;
    try {
      requestCredentials = parseCredentialOverrides(headers);
    } catch (err) {
      if (!(err instanceof InvalidCredentialHeader)) throw err;
      // Refused before anything is sent: the header is named, its value never repeated.
      throw new GraphQLError(`Invalid credential header ${err.message}.`, {
        extensions: { code: 'BAD_USER_INPUT', header: err.header, http: { status: 400 } },
      });
    }
    const credentials = mergeCredentials(config.credentials, requestCredentials);
    // Every operation runs in a log scope (ids on every line: src/operation-observer.ts); without one, a child logger.
    const scope = currentLogScope();
    const requestId = scope?.requestId ?? requestIdOf(headers['x-request-id']);
    const log = scope
      ? logger
      : logger.child({ requestId, ...(currentTraceId(headers['traceparent']) ? { traceId: currentTraceId(headers['traceparent']) } : {}) });
    return {
      principal,
      credentials,
      requestCredentials,
      services,
      loaders: new Loaders(services, credentials, principal.id),
      requestId,
      logger: log,
      idempotencyKey: headers['idempotency-key'],
      policy: policyFor(config.policies, principal.id),
      quotas,
    };
  };

  /**
   * The context of a router callback subscription carried on by this replica for a stored principal:
   * configured credentials only (a request's own are never stored), no request quota taken. Undefined
   * when no configured key names the principal any more.
   */
  const principalContext = async (principalId: string): Promise<RequestContext | undefined> =>
    auth.knows(principalId) ? contextFor({ id: principalId }, {}) : undefined;

  const metricsSource = { contentType: registry.contentType, metrics: () => registry.metrics() };
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await serveMetrics(metricsSource, config.host, config.metricsPort, (err) => logger.error({ err: String(err) }, 'metrics failed'));
  const http = await serve({
    schema: createSchema(),
    host: config.host,
    port: config.port,
    production: config.env === 'production',
    introspection: config.introspection,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.maxBodyBytes,
    listenBacklog: config.listenBacklog,
    context,
    ready: async () => !stopping && (await services.store.ping()),
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    callbackUrls: config.callbackUrls,
    callbackSubscriptions: {
      store: services.callbacks,
      holder: services.replicaId,
      leaseMs: config.callbackLeaseMs,
      principalContext,
      ...(options.callbackClaimEveryMs === undefined ? {} : { claimEveryMs: options.callbackClaimEveryMs }),
    },
    ws: config.ws,
    metrics: metricsServer ? undefined : metricsSource,
    plugins: [createOperationObserver(logger)],
    operationLogger: logger,
    formatError: (formatted, error) => maskError(formatted, error, (err) => logger.error({ err }, 'unexpected error (masked for the client)')),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  const resumed = await resumeTasks(services);
  if (resumed > 0) logger.info({ resumed }, 'resumed unfinished tasks');

  return {
    url: http.url,
    wsUrl: http.wsUrl,
    port: http.port,
    metricsUrl: metricsServer?.url ?? http.url.replace(/\/graphql$/, '/metrics'),
    services,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await http.close();
      await metricsServer?.close();
      await retention.stop();
      await counter.close();
      await closeServices(services);
      detachStore();
      await tracing.flush();
    },
  };
}
