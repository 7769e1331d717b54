/**
 * `npm run bench -- bulk` (or `npm run bench:bulk`):
 *
 * 1. a 10,000-object Qiniu bulk copy by prefix through copygraph (mutation → final task state, polled
 *    over HTTP), against the emulator's own serial minimum for the same upstream calls: the same 10
 *    list pages and 10 `/batch` requests of 1,000 copy ops, sent one after another straight to the
 *    emulator with the same client. Both in one run, alternating, on fresh destination prefixes.
 * 2. a 5,000-id 123pan image copy through copygraph against the upstream's own minimum: 123pan takes
 *    ≤ 100 ids a task and queues at most 3 unfinished tasks an account, run one after another by one
 *    worker, so 50 tasks cannot end before 50 × the time one task runs (BENCH_PAN123_TASK_MS, 100 ms
 *    here). copygraph's overhead is whatever it adds to that: slots left empty between a task's end
 *    and the next submit (the watcher's poll interval), and its own calls.
 *
 * Prints the ratios and the upstream call counts. Never asserted anywhere.
 *
 *   npm run bench:bulk                  # 3 rounds
 *   BENCH_ROUNDS=5 npm run bench:bulk
 */
import { pino } from 'pino';
import { QiniuClient } from '../datasources/qiniu.ts';
import { QINIU_DEMO, startDemoEmulators } from '../emulators/index.ts';
import { Pan123Emulator } from '../emulators/pan123.ts';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const KEY = 'bench-key-0123456789abcdef';

const emulators = await startDemoEmulators();
const panTaskMs = Number(process.env['BENCH_PAN123_TASK_MS'] ?? 100);
const panIds = Number(process.env['BENCH_PAN123_IDS'] ?? 5_000);
// Its own 123pan account: one upstream task runs `panTaskMs` once it leaves the 3-task queue.
const pan = new Pan123Emulator({ perTaskMs: panTaskMs });
pan.seedDemo();
const panServer = await pan.start({ port: 0, host: '127.0.0.1' });
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
  PAN123_BASE_URL: panServer.url,
  PAN123_CLIENT_ID: 'demo-client',
  PAN123_CLIENT_SECRET: 'demo-secret',
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

/** A 5,000-id copy to the image host through copygraph: mutation → final state (polled over HTTP). */
async function pan123ThroughCopygraph(round: number): Promise<number> {
  const folder = pan.seedDriveFolder({ filename: `bench-${round}` });
  const ids = Array.from({ length: panIds }, (_, i) =>
    String(pan.seedDriveFile({ filename: `b${round}-${i}.jpg`, size: 50_000 + round * 10_000 + i, parentFileId: folder.fileId }).fileId),
  );
  const target = pan.seedOssFolder({ filename: `bench-target-${round}` }).fileId;
  const t0 = performance.now();
  const started = await gql(
    'mutation($input: CopyImagesInput!) { copyImages(input: $input) { __typename ... on CopyTask { id } ... on UpstreamError { code message } } }',
    {
      input: { fileIds: ids, toParentFileId: target },
    },
  );
  if (!started.copyImages.id) throw new Error(`copyImages answered ${JSON.stringify(started)}`);
  for (;;) {
    const { copyTask } = await gql('query($id: ID!) { copyTask(id: $id) { status isFinal progress { completed total } } }', { id: started.copyImages.id });
    if (copyTask.isFinal) {
      if (copyTask.status !== 'SUCCEEDED') throw new Error(`unexpected end: ${JSON.stringify(copyTask)}`);
      return performance.now() - t0;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

const panRuns: number[] = [];
let panCalls: Record<string, number> = {};
for (let r = 0; r < rounds; r++) {
  pan.control.resetCalls();
  panRuns.push(await pan123ThroughCopygraph(r));
  panCalls = pan.control.callsByRoute();
}
const panTasks = Math.ceil(panIds / 100);
const panMinimum = panTasks * panTaskMs;
const p = median(panRuns);

console.log(
  `| bulk copy (${rounds} rounds, median) | through copygraph | upstream minimum | ratio (copygraph ÷ minimum) | upstream calls by copygraph (last round) |`,
);
console.log('|---|---|---|---|---|');
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const fmt = (c: Record<string, number>) =>
  `${total(c)}: ${Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;
console.log(
  `| Qiniu, 10,000 objects by prefix | ${g.toFixed(0)} ms | ${d.toFixed(0)} ms (the same 10 list + 10 batch calls, serial, measured) | **${(g / d).toFixed(2)}×** | ${fmt(calls)} |`,
);
console.log(
  `| 123pan, ${panIds.toLocaleString('en')} ids | ${p.toFixed(0)} ms | ${panMinimum} ms (${panTasks} tasks × ${panTaskMs} ms, one worker, 3 queued) | **${(p / panMinimum).toFixed(2)}×** | ${fmt(panCalls)} |`,
);
console.log(
  `123pan note: the watcher sends 123pan at most PAN123_POLLS_PER_SECOND (default 5) progress queries a second, all tasks together; each of the ${panTasks} upstream tasks needs at least one after its end, so with ${panTaskMs} ms tasks the poll budget (${panTasks} polls ≥ ${(panTasks / 5).toFixed(0)} s at 5/s), not the queue, bounds the copy. With real tasks of seconds the budget is not the bound.`,
);
console.log(
  `rounds: Qiniu copygraph ${gw.map((x) => x.toFixed(0)).join(', ')} ms, direct ${direct.map((x) => x.toFixed(0)).join(', ')} ms; 123pan ${panRuns.map((x) => x.toFixed(0)).join(', ')} ms`,
);
await app.stop();
await pan.close();
await emulators.close();
rmSync(dir, { recursive: true, force: true });
