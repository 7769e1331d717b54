/**
 * `npm run bench:replicas`: copy throughput and subscription fan-out for one replica on SQLite, one on
 * PostgreSQL and three on PostgreSQL (real processes, round-robin as a load balancer without sticky
 * sessions would send), against one set of emulators, in one run. Prints ratios against SQLite (the
 * machine is small and shared: absolute numbers are context, ratios are the result). Never asserted.
 *
 *   npm run bench:replicas
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=30 BENCH_SUBSCRIBERS=300 npm run bench:replicas
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QINIU_DEMO } from '../emulators/qiniu.ts';
import { startDemoEmulators } from '../emulators/index.ts';
import { createDatabase, startPostgres } from '../test/helpers/postgres.ts';
import { type ReplicaProcess, replicaEnv, startReplicaProcess } from '../test/helpers/replicas.ts';
import { ALICE, baseEnv } from '../test/helpers/stack.ts';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 20);
const subscribers = Number(process.env['BENCH_SUBSCRIBERS'] ?? 150);

const emulators = await startDemoEmulators();
await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'copygraph-bench-'));

const COPY_OBJECT = `mutation ($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id status } } }`;
const COPY_IMAGES = `mutation ($input: CopyImagesInput!) { copyImages(input: $input) { __typename ... on CopyTask { id upstreamTaskId } } }`;
const WATCH = `subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal } }`;

interface Answer {
  copyObject?: { status?: string };
  copyImages?: { id: string; upstreamTaskId: string };
}

interface Figures {
  copiesPerSecond: number;
  errors: number;
  /** From the upstream task's end to the last subscriber's final state. */
  fanOutMs: number;
}

/** Why requests failed, counted (printed once at the end). */
const failures = new Map<string, number>();
// The API key's request quota is not what is measured (copyObject through one SQLite replica runs past
// the default COPYGRAPH_REQUESTS_PER_SECOND).
const UNLIMITED = { COPYGRAPH_REQUESTS_PER_SECOND: '1000000' };

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<Answer | undefined> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Answer; errors?: unknown };
  if (!res.ok || body.errors) {
    const why = `HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`;
    failures.set(why, (failures.get(why) ?? 0) + 1);
  }
  return res.ok && !body.errors ? body.data : undefined;
}

/** `connections` loops sending copyObject for `seconds`, spread round-robin over the replicas. */
async function throughput(replicas: readonly ReplicaProcess[], label: string): Promise<{ rps: number; errors: number }> {
  let done = 0;
  let errors = 0;
  let next = 0;
  const until = Date.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < until; i++) {
      const replica = replicas[next++ % replicas.length] as ReplicaProcess;
      const input = {
        source: { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' },
        destination: { bucket: QINIU_DEMO.backupBucket, key: `bench/${label}/${w}-${i}.jpg` },
        overwrite: true,
      };
      const data = await post(replica.url, COPY_OBJECT, { input });
      if (data?.copyObject?.status === 'SUCCEEDED') done += 1;
      else errors += 1;
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  return { rps: done / ((Date.now() - start) / 1000), errors };
}

let folders = 0;
/** `subscribers` subscriptions spread over the replicas on one 123pan copy; the time for all to see it end. */
async function fanOut(replicas: readonly ReplicaProcess[]): Promise<number> {
  const pan = emulators.pan123;
  folders += 1;
  const folder = pan.seedDriveFolder({ filename: `bench-${folders}` });
  const ids = Array.from({ length: 50 }, (_, i) =>
    String(pan.seedDriveFile({ filename: `bench${folders}-${i}.jpg`, size: 70_000 + folders * 100 + i, parentFileId: folder.fileId }).fileId),
  );
  const target = pan.seedOssFolder({ filename: `bench-target-${folders}` }).fileId;
  const first = replicas[0] as ReplicaProcess;
  const data = await post(first.url, COPY_IMAGES, { input: { fileIds: ids, toParentFileId: target } });
  const task = data?.copyImages as { id: string; upstreamTaskId: string };
  let started = 0;
  const ends = Array.from({ length: subscribers }, (_, i) => {
    const client = (replicas[i % replicas.length] as ReplicaProcess).ws();
    const events: unknown[] = [];
    const run = new Promise<number>((resolve, reject) => {
      client.subscribe(
        { query: WATCH, variables: { id: task.id } },
        {
          next: (v) => {
            events.push(v.data);
            if (events.length === 1) started += 1;
          },
          error: reject,
          complete: () => resolve(Date.now()),
        },
      );
    });
    return run;
  });
  // Every subscription has its first (current) state before the copy ends.
  while (started < subscribers) await new Promise((r) => setTimeout(r, 20));
  const finishedAt = Date.now();
  pan.finishTask(task.upstreamTaskId);
  const last = Math.max(...(await Promise.all(ends)));
  return last - finishedAt;
}

async function measure(label: string, replicas: readonly ReplicaProcess[]): Promise<Figures> {
  await throughput(replicas, `${label}-warm`);
  const t = await throughput(replicas, label);
  const fan = await fanOut(replicas);
  await Promise.all(replicas.map((r) => r.stop()));
  return { copiesPerSecond: t.rps, errors: t.errors, fanOutMs: fan };
}

const sqlite = await measure('sqlite-1', [await startReplicaProcess('sqlite', { ...baseEnv(emulators, join(dir, 'tasks.sqlite')), ...UNLIMITED })]);
const pg1Url = await createDatabase('bench1');
const pg1 = await measure('pg-1', [await startReplicaProcess('pg-1', { ...replicaEnv(emulators, pg1Url), ...UNLIMITED })]);
const pg3Url = await createDatabase('bench3');
const three = [await startReplicaProcess('pg-3a', { ...replicaEnv(emulators, pg3Url), ...UNLIMITED })];
three.push(...(await Promise.all(['pg-3b', 'pg-3c'].map((n) => startReplicaProcess(n, { ...replicaEnv(emulators, pg3Url), ...UNLIMITED })))));
const pg3 = await measure('pg-3', three);

await emulators.close();
rmSync(dir, { recursive: true, force: true });

const row = (name: string, f: Figures) =>
  `${name.padEnd(22)} ${f.copiesPerSecond.toFixed(0).padStart(6)} copies/s (×${(f.copiesPerSecond / sqlite.copiesPerSecond).toFixed(2)})   fan-out to ${subscribers}: ${f.fanOutMs.toFixed(0).padStart(5)} ms (×${(f.fanOutMs / Math.max(1, sqlite.fanOutMs)).toFixed(2)})   errors ${f.errors}`;
console.log(
  `copyObject throughput (${connections} connections, ${seconds} s) and subscription fan-out, node ${process.version}; ratios against 1 replica on SQLite`,
);
console.log(row('1 replica, SQLite', sqlite));
console.log(row('1 replica, PostgreSQL', pg1));
console.log(row('3 replicas, PostgreSQL', pg3));
for (const [why, n] of failures) console.log(`failed requests: ${n} × ${why}`);
process.exit(0);
