/**
 * Where tracing's CPU goes: reads the last `--profile` run's bench/results.json and its two
 * CPU profiles (the untraced service's and the traced instance's), cuts each to its verify
 * phase, and prints per verify (ms of sampled main-thread time): busy, GC, the time with an
 * @opentelemetry/* frame or a src/tracing frame anywhere on the synchronous stack, and the
 * traced phase's heaviest OpenTelemetry frames by inclusive time.
 *
 *   npm run build && npx tsx bench/run.ts --phases=verify-right,verify-traced --profile
 *   npx tsx bench/tracing-profile.ts [bench/results.json]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Phase {
  id: string;
  responses: number;
  cpuMsPerRequest: number | null;
  monotonicUs: { start: number; end: number };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = process.argv[2] ?? join(root, 'bench/results.json');
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { phases: Phase[]; profileFile?: string };
if (!results.profileFile) throw new Error(`${resultsFile} comes from a run without --profile`);

const isOtel = (url: string) => url.includes('/node_modules/@opentelemetry/');
const isOurs = (url: string) => /\/(dist|src)\/tracing\//.test(url) && !url.includes('/node_modules/');

function summarise(file: string, phase: Phase) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = { busy: 0, gc: 0, otel: 0, ours: 0, either: 0, owned: 0 };
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (time < phase.monotonicUs.start || time > phase.monotonicUs.end) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(profile.samples[i] ?? 0);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    totals.busy += us;
    if (leaf.callFrame.functionName === '(garbage collector)') totals.gc += us;
    let otel = false;
    let ours = false;
    let owner: 'tracing' | 'other' | undefined;
    const seen = new Set<string>();
    for (let at: number | undefined = leaf.id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) continue;
      // the nearest frame of a package or of the service owns the sample (Node's own frames
      // belong to their caller): tracing's own work, not the work it wraps
      if (owner === undefined && frame.url !== '' && !frame.url.startsWith('node:')) {
        owner = isOtel(frame.url) || isOurs(frame.url) ? 'tracing' : 'other';
        if (owner === 'tracing') {
          const name = `${frame.functionName || '(anonymous)'}  ${frame.url.slice(frame.url.lastIndexOf(isOtel(frame.url) ? '/node_modules/' : '/tracing/') + 1)}:${frame.lineNumber + 1}`;
          owners.set(name, (owners.get(name) ?? 0) + us);
        }
      }
      if (isOtel(frame.url)) {
        otel = true;
        const short = frame.url.slice(frame.url.lastIndexOf('/node_modules/') + 14);
        seen.add(`${frame.functionName || '(anonymous)'}  ${short}:${frame.lineNumber + 1}`);
      }
      if (isOurs(frame.url)) {
        ours = true;
        seen.add(`${frame.functionName || '(anonymous)'}  ${frame.url.slice(frame.url.indexOf('/tracing/') + 1)}:${frame.lineNumber + 1}`);
      }
    }
    if (otel) totals.otel += us;
    if (ours) totals.ours += us;
    if (otel || ours) totals.either += us;
    if (owner === 'tracing') totals.owned += us;
    for (const name of seen) frames.set(name, (frames.get(name) ?? 0) + us);
  }
  const perVerify = (us: number) => (us / 1000 / Math.max(1, phase.responses)).toFixed(3);
  return { totals, frames, owners, perVerify };
}

const profiles: [string, string][] = [
  ['verify-right', join(root, results.profileFile)],
  ['verify-traced', join(root, results.profileFile.replace('.cpuprofile', '-traced.cpuprofile'))],
];
for (const [id, file] of profiles) {
  const phase = results.phases.find((p) => p.id === id);
  if (!phase) continue;
  const { totals, frames, owners, perVerify } = summarise(file, phase);
  console.log(
    `${id}: ${phase.responses} verifies; process CPU ${phase.cpuMsPerRequest ?? '?'} ms a verify; main thread sampled, ms a verify: ` +
      `busy ${perVerify(totals.busy)}, GC ${perVerify(totals.gc)}, @opentelemetry/* inclusive ${perVerify(totals.otel)}, ` +
      `src/tracing inclusive ${perVerify(totals.ours)}, either ${perVerify(totals.either)}; ` +
      `tracing's own (nearest owning frame OpenTelemetry's or src/tracing's) ${perVerify(totals.owned)} = ${((100 * totals.owned) / Math.max(1, totals.busy)).toFixed(1)}% of busy`,
  );
  if (id !== 'verify-traced') continue;
  console.log('  inclusive, ms a verify:');
  for (const [name, us] of [...frames.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${perVerify(us)}  ${name}`);
  console.log('  tracing\'s own time by owning frame, ms a verify:');
  for (const [name, us] of [...owners.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${perVerify(us)}  ${name}`);
}
