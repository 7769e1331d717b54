/**
 * `npm run bench -- copy`: copyObject through copygraph against the same signed copy sent straight to the
 * Qiniu emulator, same load, same run, interleaved rounds. Prints ratios (the machine is small and
 * noisy: absolute numbers are context, ratios are the result). Never asserted anywhere.
 *
 *   npm run bench -- copy            # 3 rounds of 5 s each side, 10 connections
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 BENCH_CONNECTIONS=20 npm run bench -- copy
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { encodedEntry, FORM_CONTENT_TYPE, qiniuDate, signQiniu } from '../datasources/qiniu-auth.ts';
import { QINIU_DEMO } from '../emulators/qiniu.ts';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 10);

// BENCH_CPU_PROF=dir: the server process writes a V8 CPU profile there on exit (aggregate it with
// `node bench/profile-summary.mjs dir/*.cpuprofile`).
const profDir = process.env['BENCH_CPU_PROF'];
const profFlags = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
const child = spawn(process.execPath, [...profFlags, '--import', 'tsx', 'bench/server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const urls = JSON.parse(line) as { graphql: string; emulator: string; bare: string };

const src = { bucket: QINIU_DEMO.sourceBucket, key: 'photos/sunflower.jpg' };
const dst = { bucket: QINIU_DEMO.backupBucket, key: 'bench/sunflower.jpg' };

/** The signed request copygraph would send, sent directly (valid for 15 minutes of X-Qiniu-Date). */
function directRequest(): autocannon.Options {
  const url = `${urls.emulator}/copy/${encodedEntry(src.bucket, src.key)}/${encodedEntry(dst.bucket, dst.key)}/force/true`;
  const headers: Record<string, string> = { 'content-type': FORM_CONTENT_TYPE, 'x-qiniu-date': qiniuDate() };
  headers['authorization'] = signQiniu(
    { accessKey: QINIU_DEMO.accessKey, secretKey: QINIU_DEMO.secretKey },
    { method: 'POST', url, contentType: FORM_CONTENT_TYPE, headers },
  );
  return { url, method: 'POST', headers };
}

function graphqlRequest(url = urls.graphql): autocannon.Options {
  const query = `mutation ($input: CopyObjectInput!) { copyObject(input: $input) { __typename ... on CopyTask { id status } ... on CopyError { code } } }`;
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key-0123456789abcdef' },
    body: JSON.stringify({ query, variables: { input: { source: src, destination: dst, overwrite: true } } }),
  };
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(options: autocannon.Options, duration: number): Promise<Sample> {
  const r = await autocannon({ ...options, connections, duration });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

// Warm up both paths (JIT, connection pools, SQLite pages), then interleave rounds.
await load(directRequest(), 3);
await load(graphqlRequest(), 3);
await load(graphqlRequest(urls.bare), 3);
const direct: Sample[] = [];
const graph: Sample[] = [];
const bare: Sample[] = [];
for (let i = 0; i < rounds; i++) {
  direct.push(await load(directRequest(), seconds));
  bare.push(await load(graphqlRequest(urls.bare), seconds));
  graph.push(await load(graphqlRequest(), seconds));
}
child.kill('SIGTERM');
await once(child, 'exit');

const mean = (xs: Sample[], k: keyof Sample) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
const d = { rps: mean(direct, 'rps'), p50: mean(direct, 'p50'), p99: mean(direct, 'p99') };
const g = { rps: mean(graph, 'rps'), p50: mean(graph, 'p50'), p99: mean(graph, 'p99') };
const b = { rps: mean(bare, 'rps'), p50: mean(bare, 'p50'), p99: mean(bare, 'p99') };
const errors = [...direct, ...bare, ...graph].reduce((s, x) => s + x.errors, 0);

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const row = (name: string, x: typeof d) => `| ${name} | ${x.rps.toFixed(0)} req/s | ${x.p50.toFixed(1)} ms | ${x.p99.toFixed(1)} ms |`;
console.log('copyObject: copygraph vs (a) the signed copy straight to the emulator, (b) the bare reference');
console.log(`load: ${connections} connections, ${rounds} interleaved rounds of ${seconds} s each path`);
console.log('| | throughput | p50 | p99 |');
console.log('|---|---|---|---|');
console.log(row('(a) direct signed copy to the emulator', d));
console.log(row('(b) bare reference (graphql-js + node:http)', b));
console.log(row('copygraph `copyObject`', g));
console.log(`| copygraph ÷ bare | **${(g.rps / b.rps).toFixed(2)}×** | +${(g.p50 - b.p50).toFixed(1)} ms | +${(g.p99 - b.p99).toFixed(1)} ms |`);
console.log(`| copygraph ÷ direct | **${(g.rps / d.rps).toFixed(2)}×** | +${(g.p50 - d.p50).toFixed(1)} ms | +${(g.p99 - d.p99).toFixed(1)} ms |`);
console.log(
  `goal ≥ 0.8× bare: ${met(g.rps / b.rps >= 0.8)}; goal ≥ 0.3× direct: ${met(g.rps / d.rps >= 0.3)}; goal added p50 ≤ 2 ms (vs direct): ${met(g.p50 - d.p50 <= 2)}`,
);
console.log(`errors or non-2xx: ${errors}`);
