// Aggregates a V8 .cpuprofile: top functions by self time and by inclusive time, plus shares per file.
//   node bench/profile-summary.mjs prof.cpuprofile [top=30] [filter-substring]
import { readFileSync } from 'node:fs';
const [file, topArg, filter] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const short = (u) => u.replace(/^file:\/\/.*?\/(perf2|main)\//, '').replace(/^.*node_modules\//, 'nm/');
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const self = new Map(),
  incl = new Map(),
  files = new Map();
for (const n of prof.nodes) {
  const t = dt.get(n.id) ?? 0;
  if (!t) continue;
  const k = key(n);
  self.set(k, (self.get(k) ?? 0) + t);
  const f = short(n.callFrame.url) || n.callFrame.functionName;
  files.set(f, (files.get(f) ?? 0) + t);
  // inclusive: each distinct function on the stack once
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const kk = key(byId.get(id));
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + t);
  }
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const show = (title, m) => {
  console.log(`\n${title}`);
  [...m]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => {
      console.log(`${pct(t)}  ${k}`);
    });
};
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`);
show('self time', self);
show('inclusive time', incl);
show('self time per file', files);
