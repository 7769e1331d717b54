/**
 * `npm run bench:bulk`: a 10,000-object Qiniu bulk copy by prefix through copygraph (mutation → final
 * task state, polled over HTTP), against the emulator's own serial minimum for the same upstream calls:
 * the same 10 list pages and 10 `/batch` requests of 1,000 copy ops, sent one after another straight to
 * the emulator with the same client. Both in one run, alternating, on fresh destination prefixes.
 * Prints the ratio and the upstream call counts. Never asserted anywhere.
 *
 *   npm run bench:bulk                  # 3 rounds
 *   BENCH_ROUNDS=5 npm run bench:bulk
 */
import { pino } from 'pino';
import { QiniuClient } from '../datasources/qiniu.ts';
import { QINIU_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const KEY = 'bench-key-0123456789abcdef';

const emulators = await startDemoEmulators();
const dir = mkdtempSync(join(tmpdir(), 'copygraph-bench-bulk-'));
const config = loadConfig({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  COPYGRAPH_DEMO: 'false',
  COPYGRAPH_DB_PATH: join(dir, 'tasks.sqlite'),
  COPYGRAPH_API_KEYS: `bench:${KEY}`,
  // The watcher's first poll of a new task waits this long (default 1 s); the bench measures the copy.
  COPYGRAPH_POLL_INITIAL_MS: '20',
  COPYGRAPH_POLL_MAX_MS: '200',
  QINIU_RS_URL: emulators.urls.qiniuRs,
  QINIU_RSF_URL: emulators.urls.qiniuRsf,
  QINIU_ACCESS_KEY: QINIU_DEMO.accessKey,
  QINIU_SECRET_KEY: QINIU_DEMO.secretKey,
});
const app = await startApp(config, { logger: pino({ level: 'silent' }) });
const qiniu = emulators.qiniu;
const keys = { accessKey: QINIU_DEMO.accessKey, secretKey: QINIU_DEMO.secretKey };
const client = new QiniuClient({ rsUrl: emulators.urls.qiniuRs, rsfUrl: emulators.urls.qiniuRsf, timeoutMs: 30_000, signature: 'Qiniu' });

// biome-ignore lint/suspicious/noExplicitAny: a benchmark reads a few known fields of its own queries
async function gql(query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await res.json()) as { data: unknown }).data;
}

async function throughCopygraph(prefix: string): Promise<number> {
  const t0 = performance.now();
  const started = await gql('mutation($input: CopyObjectsInput!) { copyObjects(input: $input) { ... on CopyTask { id } } }', {
    input: {
      prefix: {
        sourceBucket: QINIU_DEMO.bulkBucket,
        sourcePrefix: QINIU_DEMO.bulkPrefix,
        destinationBucket: QINIU_DEMO.backupBucket,
        destinationPrefix: prefix,
      },
    },
  });
  for (;;) {
    const { copyTask } = await gql('query($id: ID!) { copyTask(id: $id) { status isFinal progress { completed } } }', { id: started.copyObjects.id });
    if (copyTask.isFinal) {
      if (copyTask.status !== 'SUCCEEDED' || copyTask.progress.completed !== 10_000) throw new Error(`unexpected end: ${JSON.stringify(copyTask)}`);
      return performance.now() - t0;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function serialMinimum(prefix: string): Promise<number> {
  const t0 = performance.now();
  let marker: string | null = null;
  do {
    const page = await client.listPage(keys, QINIU_DEMO.bulkBucket, QINIU_DEMO.bulkPrefix, marker);
    marker = page.marker;
    const { results } = await client.batchCopy(
      keys,
      page.items.map((o) => ({
        source: { bucket: QINIU_DEMO.bulkBucket, key: o.key },
        destination: { bucket: QINIU_DEMO.backupBucket, key: prefix + o.key.slice(QINIU_DEMO.bulkPrefix.length) },
      })),
      false,
    );
    if (results.some((r) => r !== null)) throw new Error('a direct copy failed');
  } while (marker);
  return performance.now() - t0;
}

const gw: number[] = [];
const direct: number[] = [];
let calls: Record<string, number> = {};
for (let r = 0; r < rounds; r++) {
  direct.push(await serialMinimum(`bench-direct-${r}/`));
  qiniu.control.resetCalls();
  gw.push(await throughCopygraph(`bench-gw-${r}/`));
  calls = qiniu.control.callsByRoute();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const g = median(gw);
const d = median(direct);
console.log(`10,000-object Qiniu bulk copy by prefix, ${rounds} rounds (median):`);
console.log(`  through copygraph       ${g.toFixed(0)} ms   (rounds: ${gw.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  emulator serial minimum ${d.toFixed(0)} ms   (rounds: ${direct.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  ratio                   ${(g / d).toFixed(2)}x`);
console.log(`  upstream calls by copygraph (last round): ${JSON.stringify(calls)}`);
await app.stop();
await emulators.close();
rmSync(dir, { recursive: true, force: true });
