import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answers, freePort, sleep } from '../../test/support/net.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's ESM loader, as an absolute URL: the children run in a temporary folder. */
const tsxLoader = import.meta.resolve('tsx');

/** The service as production runs it: `npm run build`'s output, on Node alone. */
export const compiledService = join(root, 'dist/main.js');
/** The ceiling: plain JavaScript, so it runs on Node alone whichever way the service runs. */
export const bareServer = join(root, 'bench/bare-server.mjs');

/** How production starts the service: `npm run start:prod`'s environment settings and Node flags. */
export interface ProductionCommand {
  /** `NAME=value` settings before `node` (the allocator's, say) */
  env: Record<string, string>;
  nodeFlags: string[];
}

/**
 * `npm run start:prod` (package.json), which the Dockerfile's ENV and CMD repeat: the bench
 * measures the service with the settings and flags production uses.
 */
export function productionCommand(): ProductionCommand {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.['start:prod'] ?? '').split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name = '', ...value] = (words.shift() ?? '').split('=');
    env[name] = value.join('=');
  }
  if (words[0] !== 'node' || !words.at(-1)?.endsWith('.js')) {
    throw new Error('package.json: expected "start:prod": "[NAME=value ...] node [flags] dist/….js"');
  }
  return { env, nodeFlags: words.slice(1, -1) };
}

/** Refuses a missing or stale build: a source newer than the compiled entry is not in it. */
function assertBuilt(script: string): void {
  if (!existsSync(script)) throw new Error(`${relative(root, script)} does not exist: run \`npm run build\` first`);
  const builtAt = statSync(script).mtimeMs;
  const newer = newestSource(join(root, 'src'));
  if (newer && newer.mtimeMs > builtAt) {
    throw new Error(`${relative(root, newer.path)} changed after the last build: run \`npm run build\` first`);
  }
}

function newestSource(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const { mtimeMs } = statSync(path);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

/**
 * The Node the children run on: the `node` devDependency (Node 24), not whatever runs the
 * bench; the machine's Node 20 crashes better-sqlite3 13.
 */
export function nodeBinary(): string {
  const local = join(root, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly exited: boolean;
  /** the process's resident set now, in MB (Linux /proc), or null once it is gone */
  rssMb(): number | null;
  /** the highest resident set the process reached (VmHWM), in MB */
  peakRssMb(): number | null;
  /** the resident set now by kind of mapping, MB (Linux /proc/PID/smaps), or null once it is gone */
  residentBreakdown(): ResidentBreakdown | null;
  /** CPU time (user + system) the process has used so far, in ms (Linux /proc) */
  cpuMs(): number | null;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();

/** Stops every child still running; safe to call more than once. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(5_000)));
}

/** Last-resort clean-up when the bench itself is dying: SIGKILL, synchronously. */
export function killAllNow(): void {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface StartOptions {
  name: string;
  /**
   * The entry point: a `.ts` file runs through tsx's loader; a `.js`/`.mjs` file runs on Node
   * alone (a file under dist/ must be at least as new as every source in src/).
   */
  script: string;
  env: Record<string, string>;
  cwd: string;
  port: number;
  /** flags for node, e.g. productionNodeFlags() or --cpu-prof; a later flag overrides an earlier one */
  nodeFlags?: string[];
  /** a path that answers 200 once the process is ready */
  readyPath: string;
  startTimeoutMs?: number;
}

/** Starts a Node 24 child on 127.0.0.1 and waits until `readyPath` answers. */
export async function startChild(options: StartOptions): Promise<Child> {
  const env = {
    PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? options.cwd,
    ...options.env,
    HOST: '127.0.0.1',
    PORT: String(options.port),
  };
  const typescript = options.script.endsWith('.ts');
  if (!typescript && options.script.startsWith(join(root, 'dist/'))) assertBuilt(options.script);
  const loader = typescript ? ['--import', tsxLoader] : [];
  const proc: ChildProcess = spawn(nodeBinary(), [...(options.nodeFlags ?? []), ...loader, options.script], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-200_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.on('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `status ${String(code)}`;
      resolve();
    });
  });
  const pid = proc.pid ?? -1;
  const url = `http://127.0.0.1:${options.port}`;
  const child: Child = {
    name: options.name,
    pid,
    url,
    get exited() {
      return exitInfo !== undefined;
    },
    rssMb: () => procStatusMb(pid, 'VmRSS'),
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    residentBreakdown: () => residentBreakdown(pid),
    cpuMs: () => procCpuMs(pid),
    output: () => out,
    async stop(graceMs = 10_000) {
      if (exitInfo === undefined) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
    },
  };
  live.add(child);

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exitInfo !== undefined) {
      live.delete(child);
      throw new Error(`${options.name} exited during start-up (${exitInfo}):\n${out}`);
    }
    if (await answers(url + options.readyPath)) return child;
    if (Date.now() > deadline) {
      await child.stop(1_000);
      throw new Error(`${options.name} did not answer ${options.readyPath} within the start timeout:\n${out}`);
    }
    await sleep(100);
  }
}

/** Where a process's resident memory is, MB. */
export interface ResidentBreakdown {
  /** pages of the Node binary itself (its code and read-only data, shared between processes) */
  nodeBinary: number;
  /** other files mapped: shared libraries, native addons, SQLite's shared memory */
  otherFiles: number;
  /** glibc's main arena (`[heap]`, malloc's brk heap) */
  mallocHeap: number;
  /** anonymous mappings: V8's heap and code, thread arenas, WebAssembly, stacks */
  anonymous: number;
}

function residentBreakdown(pid: number): ResidentBreakdown | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null;
  }
  const kb = { nodeBinary: 0, otherFiles: 0, mallocHeap: 0, anonymous: 0 };
  let kind: keyof typeof kb = 'anonymous';
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1] ?? '';
      kind = name === '[heap]' ? 'mallocHeap' : name.endsWith('/bin/node') ? 'nodeBinary' : name.startsWith('/') ? 'otherFiles' : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[kind] += Number(rss[1]);
  }
  const mb = (value: number) => Math.round(value / 102.4) / 10;
  return { nodeBinary: mb(kb.nodeBinary), otherFiles: mb(kb.otherFiles), mallocHeap: mb(kb.mallocHeap), anonymous: mb(kb.anonymous) };
}

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** utime + stime from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms on Linux). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces; count from the closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}




/**
 * Where the machine's CPU went, cumulative: every process (busy time from /proc/stat, idle
 * and iowait left out), PostgreSQL's processes (by command name, the backends that ended
 * included), and
 * this process (the bench's own: autocannon's load and the SMTP sink). Subtract two.
 */
export interface CpuSnapshot {
  machineMs: number;
  idleMs: number;
  postgresMs: number;
  benchMs: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: 10 ms each (USER_HZ is 100 on Linux)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  let postgresMs = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      // utime, stime, and cutime, cstime: a backend that ended was reaped by the postmaster,
      // whose children's time then holds its CPU, so the sum does not drop when one exits
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      postgresMs += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
    } catch {
      // the process ended meanwhile
    }
  }
  const own = process.cpuUsage();
  return {
    machineMs: (user + nice + system + irq + softirq + steal) * 10,
    idleMs: (idle + iowait) * 10,
    postgresMs,
    benchMs: (own.user + own.system) / 1000,
  };
}

/** CPU per unit of work between two snapshots, ms, with the service's own; the machine's idle share. */
export function cpuSplit(before: CpuSnapshot, after: CpuSnapshot, units: number, serviceMs: number | null) {
  const per = (ms: number) => (units > 0 ? Math.round((ms / units) * 1000) / 1000 : 0);
  const machine = after.machineMs - before.machineMs;
  const postgres = after.postgresMs - before.postgresMs;
  const bench = after.benchMs - before.benchMs;
  const service = serviceMs ?? 0;
  return {
    machine: per(machine),
    service: per(service),
    postgres: per(postgres),
    bench: per(bench),
    other: per(Math.max(0, machine - service - postgres - bench)),
    idlePct: Math.round((100 * (after.idleMs - before.idleMs)) / Math.max(1, after.idleMs - before.idleMs + machine)),
  };
}

export { freePort, sleep };
