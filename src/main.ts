/**
 * The process entry point: configuration, demo emulators when no provider is configured, the app,
 * and a graceful shutdown on SIGTERM/SIGINT.
 */
import { DRAIN_GRACE_MS, startApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { demoBanner, startDemo } from './demo.ts';
import { createLogger } from './core/logger.ts';
import { shutdownTracing } from './core/tracing.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`copygraph: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
const demo = config.demo ? await startDemo(config) : undefined;
const app = await startApp(demo?.config ?? config, { logger });

if (demo) process.stdout.write(`${demoBanner(app.url, config.apiKeys.size === 0)}\n`);
logger.info({ url: app.url, metrics: app.metricsUrl, demo: config.demo, env: config.env }, 'copygraph is listening');

/** Longer than the drain's grace period, with room to stop the watcher and close the store. */
const FORCE_EXIT_MS = DRAIN_GRACE_MS + 10_000;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining HTTP and WebSocket, closing the task store');
  // Open WebSockets are closed with 1012 (Service Restart) and event streams ended at once; in-flight
  // requests get DRAIN_GRACE_MS; the force exit comes only well after that.
  const force = setTimeout(() => {
    logger.error({ afterMs: FORCE_EXIT_MS }, 'shutdown took too long; exiting');
    process.exit(1);
  }, FORCE_EXIT_MS);
  force.unref();
  await app.stop();
  await demo?.emulators.close();
  await shutdownTracing();
  logger.info('stopped');
  process.exit(0);
}
// `on`, not `once`: tsx's loader exits on a signal when no other listener is left.
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
