/**
 * The composition root: services, schema, authentication and transport, wired from one `Config`.
 * `main.ts` runs it as a process; tests and benchmarks start it in-process on port 0.
 */
import { GraphQLError } from 'graphql';
import { Authenticator } from './auth.ts';
import type { Config } from './config.ts';
import type { RequestContext } from './context.ts';
import { mergeCredentials, parseCredentialOverrides } from './core/credentials.ts';
import { maskError } from './core/errors.ts';
import { Loaders } from './loaders.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { createSchema } from './schema.ts';
import { type RequestHeaders, serve } from './transport/http.ts';
import { closeServices, createServices, openSharedEngine, resumeTasks, type ServiceOverrides, type Services } from './services.ts';

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
  const services = createServices(config, logger, { ...options, ...(await openSharedEngine(config, logger, options)) });
  const auth = new Authenticator(config.apiKeys);
  let stopping = false;

  const context = async (headers: RequestHeaders): Promise<RequestContext> => {
    const principal = auth.authenticate(headers['authorization']);
    if (!principal) {
      throw new GraphQLError('A valid copygraph API key is required: send Authorization: Bearer <key>.', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    const requestCredentials = parseCredentialOverrides(headers);
    const credentials = mergeCredentials(config.credentials, requestCredentials);
    return {
      principal,
      credentials,
      requestCredentials,
      services,
      loaders: new Loaders(services, credentials, principal.id),
      idempotencyKey: headers['idempotency-key'],
    };
  };

  const http = await serve({
    schema: createSchema(),
    host: config.host,
    port: config.port,
    production: config.env === 'production',
    introspection: config.introspection,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.maxBodyBytes,
    context,
    ready: async () => !stopping && (await services.store.ping()),
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
      await closeServices(services);
    },
  };
}
