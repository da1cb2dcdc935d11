import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  ms: number;
  /** share of the busy (non-idle) time in the window */
  pct: number;
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  samples: number;
  /** self time per function (name, where, package) */
  functions: Entry[];
  /** self time per package / area */
  packagesSelf: Entry[];
  /** time with the package anywhere on the stack (synchronous stacks only) */
  packagesInclusive: Entry[];
}

/**
 * Self and inclusive time of a CPU profile, limited to a window of the monotonic clock (µs):
 * V8 stamps samples with CLOCK_MONOTONIC, the same clock as process.hrtime in the bench, so a
 * whole-run profile can be cut to one phase.
 */
export function summariseProfile(file: string, root: string, window?: { start: number; end: number }, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const packSelf = new Map<string, number>();
  const packIncl = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

  let time = profile.startTime;
  let windowUs = 0;
  let busyUs = 0;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (window && (time < window.start || time > window.end)) continue;
    // a sample stands for the time until the next one
    const us = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i] ?? 0;
    const node = byId.get(id);
    if (!node) continue;
    samples++;
    windowUs += us;
    if (node.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const pack = packageOf(node.callFrame, root);
    add(self, `${node.callFrame.functionName || '(anonymous)'}  ${where(node.callFrame, root)}  [${pack}]`, us);
    add(packSelf, pack, us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame && frame.functionName !== '(root)') seen.add(packageOf(frame, root));
    }
    for (const name of seen) add(packIncl, name, us);
  }
  const entries = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((1000 * us) / Math.max(1, busyUs)) / 10 }));
  return {
    windowMs: Math.round(windowUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    samples,
    functions: entries(self, top),
    packagesSelf: entries(packSelf, 20),
    packagesInclusive: entries(packIncl, 20),
  };
}

/** The package (node_modules), project folder, Node internals or V8 bucket a frame belongs to. */
function packageOf(frame: { functionName: string; url: string }, root: string): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (core)';
  if (url.startsWith('wasm://')) return 'wasm';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const at = path.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const [first = '', second = ''] = path.slice(at + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  // the compiled service (dist/ mirrors src/) counts as its source
  const inProject = relative(root, path).replace(/^dist\//, 'src/');
  if (inProject.startsWith('src/db/generated')) return 'src/db/generated (Prisma client)';
  if (inProject.startsWith('src/')) return inProject.split('/').slice(0, 2).join('/');
  return inProject.startsWith('..') ? path : inProject;
}

function where(frame: { url: string; lineNumber: number }, root: string): string {
  if (!frame.url) return '';
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const at = path.lastIndexOf('/node_modules/');
  const short = at >= 0 ? path.slice(at + '/node_modules/'.length) : path.startsWith(root) ? relative(root, path) : path;
  return `${short}:${frame.lineNumber + 1}`;
}
