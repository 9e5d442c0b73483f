// The top lines of a CPU profile (`node --cpu-prof`, as `bench:kafka --cpu-prof` and `bench:http
// --cpu-prof` write): self time by function, and the inclusive time of the functions named with
// --inclusive, as shares of the busy (non-idle) time.
//
//   node -r @swc-node/register bench/cpu-profile-top.ts <file.cpuprofile> [--top 25] [--inclusive name,name]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT, numberFlag, stringFlag } from './lib/common';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const file = process.argv[2];
if (!file || file.startsWith('--')) throw new Error('usage: cpu-profile-top.ts <file.cpuprofile> [--top N] [--inclusive a,b]');
const TOP = numberFlag('top', 25);
const INCLUSIVE = stringFlag('inclusive', '').split(',').filter(Boolean);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const label = (n: Node) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? relative(REPO_ROOT, url.replace(/^file:\/\//, '')).replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '') : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
};
const isIdle = (n: Node) => n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)';
let total = 0;
let idle = 0;
const selfByLabel = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  total += us;
  if (isIdle(n)) idle += us;
  else selfByLabel.set(label(n), (selfByLabel.get(label(n)) ?? 0) + us);
}
const busy = total - idle;
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%); shares of busy time`);
console.log('self:');
for (const [name, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${pct(us)}  ${name}`);

if (INCLUSIVE.length) {
  // Inclusive: samples whose stack holds a frame of that name (counted once per sample).
  const inclusive = new Map<string, number>(INCLUSIVE.map((n) => [n, 0]));
  for (const [id, us] of self) {
    if (isIdle(byId.get(id)!)) continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      for (const wanted of INCLUSIVE) if (name === wanted && !seen.has(wanted)) {
        seen.add(wanted);
        inclusive.set(wanted, inclusive.get(wanted)! + us);
      }
    }
  }
  console.log('inclusive:');
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${name}`);
}
