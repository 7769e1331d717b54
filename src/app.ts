/**
 * The composition root: services, schema, authentication and transport, wired from one `Config`.
 * `main.ts` runs it as a process; tests and benchmarks start it in-process on port 0.
 */
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Authenticator } from './auth.ts';
import type { Config } from './config.ts';
import type { RequestContext } from './context.ts';
import { InvalidCredentialHeader, mergeCredentials, parseCredentialOverrides, registerCredentialSecrets } from './core/credentials.ts';
import { policyFor } from './core/policy.ts';
import { operationLimits } from './operation-limits.ts';
import { Quotas, quotaCounterFor } from './quotas.ts';
import { maskError } from './core/errors.ts';
import { Loaders } from './loaders.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { createSchema } from './schema.ts';
import { type RequestHeaders, serve } from './transport/http.ts';
import { closeServices, createServices, resumeTasks, type ServiceOverrides, type Services } from './services.ts';

export interface AppOptions extends ServiceOverrides {
  readonly logger?: Logger;
}

export interface App {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly services: Services;
  /** Drains HTTP and WebSocket, stops the watcher, closes the store. */
  stop(): Promise<void>;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const services = createServices(config, logger, options);
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
    return {
      principal,
      credentials,
      requestCredentials,
      services,
      loaders: new Loaders(services, credentials, principal.id),
      policy: policyFor(config.policies, principal.id),
      quotas,
    };
  };

  const http = await serve({
    schema: createSchema(),
    host: config.host,
    port: config.port,
    production: config.env === 'production',
    introspection: config.introspection,
    corsOrigins: config.corsOrigins,
    context,
    ready: async () => !stopping && (await services.store.ping()),
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    callbackUrls: config.callbackUrls,
    ws: config.ws,
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
    services,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await http.close();
      await counter.close();
      await closeServices(services);
    },
  };
}
