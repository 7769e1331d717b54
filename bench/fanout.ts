/**
 * `npm run bench -- fanout`: subscription fan-out on one copygraph process (bench/fanout-server.ts, a
 * child process so that its RSS is copygraph's alone), in one run:
 *
 *   1. graphql-ws, BENCH_SUBSCRIBERS (10,000) sockets, each one `copyTaskUpdated` of ONE 123pan task
 *      that the watcher polls on the 123pan emulator (in this process);
 *   2. graphql-ws, 1,000 tasks × 10 sockets each;
 *   3. graphql-sse, BENCH_SSE_STREAMS (1,000) streams of the same one task.
 *
 * Each phase opens its connections at BENCH_CONNECT_RATE a second (500: a reconnect wave after a
 * deploy, 10,000 clients back within 20 s), then measures: copygraph's RSS per subscriber (after a
 * full GC, before and after), connections refused, reset or failed while opening, the time from a
 * change in the store (the task service stores and publishes it in the server process) to each
 * subscriber's event (p50/p99, the same wall clock on one machine), and the upstream calls a second
 * with and without the subscribers. Never asserted anywhere.
 *
 *   npm run bench -- fanout
 *   BENCH_SUBSCRIBERS=5000 BENCH_CONNECT_RATE=1000 npm run bench -- fanout
 *
 * File descriptors: every socket is one descriptor on each side; bench/run.ts raises the soft limit
 * to the hard one (`ulimit -n`), and this prints the limit it got.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { PAN123_DEMO, Pan123Emulator } from '../emulators/pan123.ts';

const subscribers = Number(process.env['BENCH_SUBSCRIBERS'] ?? 10_000);
const sseStreams = Number(process.env['BENCH_SSE_STREAMS'] ?? 1_000);
const rate = Number(process.env['BENCH_CONNECT_RATE'] ?? 500);
const tasksMany = Number(process.env['BENCH_FANOUT_TASKS'] ?? 1_000);
const WINDOW_MS = 3_000;
/** The API key of bench/fanout-server.ts. */
const FANOUT_KEY = 'bench-key-0123456789abcdef';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The upstream: a 123pan account whose copy task stays running for the whole benchmark.
const pan = new Pan123Emulator({ perTaskMs: 3_600_000 });
pan.seedDemo();
const panServer = await pan.start({ port: 0, host: '127.0.0.1' });

// BENCH_CPU_PROF=dir: the server process writes a V8 CPU profile there (bench/profile-summary.mjs).
const profDir = process.env['BENCH_CPU_PROF'];
const profFlags = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
const child = spawn(process.execPath, [...profFlags, '--expose-gc', '--import', 'tsx', 'bench/fanout-server.ts'], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, BENCH_PAN123_URL: panServer.url },
});
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const nextLine = async <T>(): Promise<T> => JSON.parse(((await lines.next()).value as string) ?? 'null') as T;
const urls = await nextLine<{ graphql: string; ws: string }>();
async function server<T>(cmd: Record<string, unknown>): Promise<T> {
  child.stdin.write(`${JSON.stringify(cmd)}\n`);
  return nextLine<T>();
}

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(urls.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${FANOUT_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await res.json()) as { data: T }).data;
}

const WATCH = 'subscription ($id: ID!) { copyTaskUpdated(id: $id) { id status progress { completed total } } }';

/** One subscriber: counts its events, notes when the second (the first change) arrived. */
interface Sub {
  readonly taskId: string;
  events: number;
  changedAt?: number;
  failed?: string;
  close(): void;
}

function wsSubscriber(taskId: string, onFirst: () => void): Sub {
  const sub: Sub = { taskId, events: 0, close: () => socket.terminate() };
  const socket = new WebSocket(urls.ws, 'graphql-transport-ws', { perMessageDeflate: false });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${FANOUT_KEY}` } })));
  // Read without JSON.parse: thousands of clients share this process, the client must not be what is measured.
  socket.on('message', (raw) => {
    const text = String(raw);
    const type = /"type":"([a-z_]+)"/.exec(text)?.[1];
    const msg = { type };
    if (msg.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: WATCH, variables: { id: taskId } } }));
    } else if (msg.type === 'next') {
      sub.events += 1;
      if (sub.events === 1) onFirst();
      else if (sub.events === 2) sub.changedAt = now();
    } else if (msg.type === 'error') {
      sub.failed ??= `error: ${text.slice(0, 120)}`;
    }
  });
  socket.on('unexpected-response', (_req, res) => {
    sub.failed ??= `HTTP ${res.statusCode}`;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    sub.failed ??= err.code ?? err.message;
  });
  socket.on('close', (code) => {
    if (sub.events === 0) sub.failed ??= `closed ${code}`;
  });
  return sub;
}

function sseSubscriber(taskId: string, onFirst: () => void): Sub {
  const body = JSON.stringify({ query: WATCH, variables: { id: taskId } });
  const sub: Sub = { taskId, events: 0, close: () => req.destroy() };
  const req = request(`${urls.graphql}/stream`, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${FANOUT_KEY}`,
      'content-length': Buffer.byteLength(body),
    },
  });
  req.on('response', (res) => {
    if (res.statusCode !== 200) sub.failed ??= `HTTP ${res.statusCode}`;
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        if (/^event: next$/m.test(buffered.slice(0, end))) {
          sub.events += 1;
          if (sub.events === 1) onFirst();
          else if (sub.events === 2) sub.changedAt = now();
        }
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
      }
    });
  });
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (sub.events === 0 || !sub.changedAt) sub.failed ??= err.code ?? err.message;
  });
  req.end(body);
  return sub;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

/** Upstream calls a second over a window. */
async function upstreamRate(): Promise<number> {
  const before = pan.control.calls();
  await sleep(WINDOW_MS);
  return ((pan.control.calls() - before) * 1000) / WINDOW_MS;
}

let firstPhase: string | undefined;
let snapBefore: string | undefined;

interface Phase {
  readonly name: string;
  readonly subscribers: number;
  readonly ready: number;
  readonly failures: Record<string, number>;
  readonly openSeconds: number;
  readonly bytesPerSubscriber: number;
  readonly heapPerSubscriber: number;
  readonly p50: number;
  readonly p99: number;
  readonly missed: number;
  readonly pollsBefore: number;
  readonly pollsDuring: number;
}

async function phase(name: string, taskIds: readonly string[], perTask: number, open: typeof wsSubscriber): Promise<Phase> {
  const pollsBefore = await upstreamRate();
  if (process.env['BENCH_HEAP_SNAPSHOT'] && !firstPhase) {
    firstPhase = name;
    snapBefore = (await server<{ file: string }>({ op: 'heapsnapshot' })).file;
  }
  const m0 = await server<{ rss: number; heapUsed: number }>({ op: 'rss' });
  const total = taskIds.length * perTask;
  const subs: Sub[] = [];
  let ready = 0;
  const started = now();
  // Opened in ticks of 20 ms at `rate` a second.
  const perTick = Math.max(1, Math.round(rate / 50));
  for (let i = 0; i < total; ) {
    const tickStart = now();
    for (let k = 0; k < perTick && i < total; k++, i++) {
      subs.push(
        open(taskIds[i % taskIds.length] as string, () => {
          ready += 1;
        }),
      );
    }
    await sleep(Math.max(0, 20 - (now() - tickStart)));
  }
  const deadline = now() + 60_000;
  while (ready + subs.filter((s) => s.failed && s.events === 0).length < total && now() < deadline) await sleep(50);
  const openSeconds = (now() - started) / 1000;
  await sleep(500);
  const m1 = await server<{ rss: number; heapUsed: number }>({ op: 'rss' });
  // BENCH_HEAP_SNAPSHOT=1: heap snapshots of the server before and with the subscribers of the first phase.
  if (process.env['BENCH_HEAP_SNAPSHOT'] && name === firstPhase)
    console.error(`heap snapshots: ${snapBefore} ${(await server<{ file: string }>({ op: 'heapsnapshot' })).file}`);
  const pollsDuring = await upstreamRate();

  const { at } = await server<{ at: Record<string, number> }>({ op: 'change', ids: taskIds });
  const until = now() + 10_000;
  while (subs.some((s) => s.events === 1 && !s.changedAt) && now() < until) await sleep(20);
  const latencies = subs.filter((s) => s.changedAt !== undefined).map((s) => (s.changedAt as number) - (at[s.taskId] as number));
  const failures: Record<string, number> = {};
  for (const s of subs) if (s.failed) failures[s.failed] = (failures[s.failed] ?? 0) + 1;
  for (const s of subs) s.close();
  await sleep(2_000);
  return {
    name,
    subscribers: total,
    ready,
    failures,
    openSeconds,
    bytesPerSubscriber: (m1.rss - m0.rss) / Math.max(1, ready),
    heapPerSubscriber: (m1.heapUsed - m0.heapUsed) / Math.max(1, ready),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    missed: ready - latencies.length,
    pollsBefore,
    pollsDuring,
  };
}

// The one polled task: a 123pan copy of the demo images, running upstream for the whole benchmark.
const copied = await graphql<{ copyImages: { id?: string; __typename: string } }>(
  'mutation ($input: CopyImagesInput!) { copyImages(input: $input) { __typename ... on CopyTask { id } } }',
  { input: { fileIds: PAN123_DEMO.imageFileIds.map(String), toParentFileId: PAN123_DEMO.ossFolderId } },
);
const oneTask = copied.copyImages.id;
if (!oneTask) throw new Error(`copyImages answered ${JSON.stringify(copied)}`);
await sleep(1_000);
const { ids: many } = await server<{ ids: string[] }>({ op: 'tasks', n: tasksMany });

const limit = await new Promise<string>((resolve) => {
  const sh = spawn('/bin/sh', ['-c', 'ulimit -n'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  sh.stdout.on('data', (d) => {
    out += d;
  });
  sh.on('exit', () => resolve(out.trim()));
});

const results: Phase[] = [];
results.push(await phase(`graphql-ws, 1 task × ${subscribers}`, [oneTask], subscribers, wsSubscriber));
results.push(await phase(`graphql-ws, ${tasksMany} tasks × ${Math.round(subscribers / tasksMany)}`, many, Math.round(subscribers / tasksMany), wsSubscriber));
results.push(await phase(`graphql-sse, 1 task × ${sseStreams}`, [oneTask], sseStreams, sseSubscriber));

child.stdin.end();
await Promise.race([once(child, 'exit'), sleep(10_000)]);
child.kill('SIGKILL');
await pan.close();

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(`subscription fan-out on one copygraph process (SQLite), connections opened at ${rate}/s, file descriptor limit ${limit}`);
console.log(
  '| | subscribed | refused/reset/failed | opening took | RSS / subscriber (heap) | change → subscriber p50 / p99 | missed | upstream calls/s without → with |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const failed = Object.values(r.failures).reduce((a, b) => a + b, 0);
  const why = failed
    ? ` (${Object.entries(r.failures)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`
    : '';
  console.log(
    `| ${r.name} | ${r.ready}/${r.subscribers} | ${failed}${why} | ${r.openSeconds.toFixed(1)} s | ${kb(r.bytesPerSubscriber)} (${kb(r.heapPerSubscriber)}) | ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} ms | ${r.missed} | ${r.pollsBefore.toFixed(1)} → ${r.pollsDuring.toFixed(1)} |`,
  );
}
const ws = results.slice(0, 2);
console.log(
  `goals (graphql-ws): RSS ≤ 15 KB/subscriber: ${met(ws.every((r) => r.bytesPerSubscriber <= 15 * 1024))}; 0 refused/reset: ${met(results.every((r) => Object.keys(r.failures).length === 0))}; p99 ≤ 250 ms: ${met(ws.every((r) => r.p99 <= 250))}; upstream polls flat: ${met(results.every((r) => r.pollsDuring <= r.pollsBefore * 1.2 + 1))}`,
);
process.exit(0);
