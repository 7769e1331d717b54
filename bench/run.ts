/**
 * `npm run bench`: runs every benchmark, or the ones named (`npm run bench -- copy bulk`), each in its
 * own child process one after another (they share two small cores; running them together would measure
 * each other). Each benchmark prints its own table of ratios, taken in one run with interleaved rounds;
 * this header says on what machine. Never asserted anywhere.
 *
 *   npm run bench                    # copy, fanout, bulk, replicas
 *   npm run bench -- copy            # one by name
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, totalmem } from 'node:os';

const BENCHMARKS = {
  copy: 'bench/copy.ts',
  fanout: 'bench/fanout.ts',
  bulk: 'bench/bulk.ts',
  replicas: 'bench/replicas.ts',
} as const;
type Name = keyof typeof BENCHMARKS;

const isName = (s: string): s is Name => Object.hasOwn(BENCHMARKS, s);
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !isName(a));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const names: Name[] = asked.length > 0 ? asked.filter(isName) : (Object.keys(BENCHMARKS) as Name[]);

const cores = cpus();
console.log(`# copygraph benchmarks, ${new Date().toISOString()}`);
console.log(`machine: ${cores.length} cores, ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}`);

let failed = 0;
for (const name of names) {
  console.log(`\n## ${name}`);
  // Each benchmark with the soft file descriptor limit raised to the hard one (fan-out opens 10,000
  // sockets; its server child inherits the limit).
  const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, '--import', 'tsx', BENCHMARKS[name]], {
    stdio: 'inherit',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    failed++;
    console.log(`(${name} exited with ${code})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
