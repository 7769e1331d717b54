/**
 * The system under benchmark, in its own process: the Qiniu emulator copygraph's bare reference (bench/bare-reference.ts) and copygraph (NODE_ENV=production,
 * logs silent, a temporary SQLite store). Prints one JSON line with the URLs, then serves until killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { QINIU_DEMO, QiniuEmulator } from '../emulators/qiniu.ts';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startBareReference } from './bare-reference.ts';

const qiniu = new QiniuEmulator();
qiniu.seedDemo();
const emulator = await qiniu.start();
const dir = mkdtempSync(join(tmpdir(), 'copygraph-bench-'));
const config = loadConfig({
  NODE_ENV: 'production',
  PORT: '0',
  LOG_LEVEL: 'silent',
  COPYGRAPH_DEMO: 'false',
  COPYGRAPH_DB_PATH: join(dir, 'tasks.sqlite'),
  COPYGRAPH_API_KEYS: 'bench:bench-key-0123456789abcdef',
  // One key drives all the load here: its per-key quota must not be what is measured.
  COPYGRAPH_REQUESTS_PER_SECOND: '1000000',
  QINIU_RS_URL: emulator.url,
  QINIU_ACCESS_KEY: QINIU_DEMO.accessKey,
  QINIU_SECRET_KEY: QINIU_DEMO.secretKey,
});
const app = await startApp(config, { logger: pino({ level: 'silent' }) });
const bare = await startBareReference({
  rsUrl: emulator.url,
  dbPath: join(dir, 'bare.sqlite'),
  keys: { accessKey: QINIU_DEMO.accessKey, secretKey: QINIU_DEMO.secretKey },
});
process.stdout.write(`${JSON.stringify({ graphql: app.url, emulator: emulator.url, bare: bare.url })}\n`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
