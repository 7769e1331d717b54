/**
 * The process entry point: configuration, demo emulators when no provider is configured, the app,
 * and a graceful shutdown on SIGTERM/SIGINT.
 */
import { startApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { demoBanner, startDemo } from './demo.ts';
import { createLogger } from './core/logger.ts';
import { SchemaVersionError } from './tasks/store/migrations.ts';

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
const app = await startApp(demo?.config ?? config, { logger }).catch((err: unknown) => {
  // A database migrated by a newer copygraph: say so plainly and stop (never run against it).
  if (err instanceof SchemaVersionError) {
    process.stderr.write(`copygraph: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
});

if (demo) process.stdout.write(`${demoBanner(app.url, config.apiKeys.size === 0)}\n`);
logger.info({ url: app.url, demo: config.demo, env: config.env }, 'copygraph is listening');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining HTTP and WebSocket, closing the task store');
  const force = setTimeout(() => {
    logger.error('shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  await app.stop();
  await demo?.emulators.close();
  logger.info('stopped');
  process.exit(0);
}
// `on`, not `once`: tsx's loader exits on a signal when no other listener is left.
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
