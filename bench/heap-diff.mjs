// Which objects a heap snapshot holds more of than another: count and self size by constructor name.
//   node bench/heap-diff.mjs before.heapsnapshot after.heapsnapshot [top=40] [divide-by=N]
import { readFileSync } from 'node:fs';
const [a, b, topArg, perArg] = process.argv.slice(2);
const top = Number(topArg ?? 40);
const per = Number(perArg ?? 1);
function summary(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((x) => f.indexOf(x));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const key = `${types[snap.nodes[i + iType]]}:${snap.strings[snap.nodes[i + iName]]}`.slice(0, 90);
    const e = out.get(key) ?? { n: 0, size: 0 };
    e.n += 1;
    e.size += snap.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}
const sa = summary(a);
const sb = summary(b);
const rows = [...sb].map(([k, v]) => [k, v.n - (sa.get(k)?.n ?? 0), v.size - (sa.get(k)?.size ?? 0)]).sort((x, y) => y[2] - x[2]);
const total = rows.reduce((s, r) => s + r[2], 0);
console.log(`total self size growth ${(total / 1024).toFixed(0)} KB (${(total / per).toFixed(0)} B per unit)`);
for (const [k, n, size] of rows.slice(0, top)) console.log(`${(size / per).toFixed(0).padStart(7)} B  ${(n / per).toFixed(2).padStart(6)} objs  ${k}`);
