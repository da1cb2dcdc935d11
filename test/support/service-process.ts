import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { TEST_ENCRYPTION_KEY, TEST_SECRET } from './app.js';
import { builtMain } from './built-service.js';
import { answers, freePort, sleep } from './net.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The apps' ENCRYPTION_KEY, so every instance of a run, in-process or not, can read what
 * another encrypted (the app secrets and the result-token signing key they share).
 */
export { TEST_ENCRYPTION_KEY };

export interface ServiceProcessOptions {
  /** the environment of the service, over {@link processEnv}'s defaults (DATABASE_URL is required) */
  env: Record<string, string> & { DATABASE_URL: string };
  /** a fixed port (e.g. to restart on the same address); a free one by default */
  port?: number;
  /** how long to wait for /healthz before giving up */
  startTimeoutMs?: number;
  /** the compiled service (`dist/main.js` of a build) and the Node flags to run it with, in place of `src/main.ts` through tsx */
  compiled?: { main: string; nodeArgs: string[] };
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  /** `http://127.0.0.1:PORT`, no trailing slash */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** everything the process wrote so far (stdout then stderr, last 1 MB each), for failure messages */
  output(): string;
  /** whether the process has exited */
  readonly exited: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone */
  stop(graceMs?: number): Promise<ExitResult>;
  /** SIGKILL at once, as the kernel's OOM killer or a pulled plug would; resolves when gone */
  kill(): Promise<ExitResult>;
}

/**
 * The environment of instances under a burst of guesses, over `overrides`: the run's database,
 * anonymous callers, and the per-IP limit out of the way (the guess budget is what is tested),
 * with `attempts` a code allows and the user's lockout `threshold`.
 */
export function burstEnv(limits: { attempts: number; threshold: number }, overrides: Record<string, string> = {}): Record<string, string> & { DATABASE_URL: string } {
  return {
    DATABASE_URL: inject('databaseUrl'),
    ALLOW_ANONYMOUS_CALLERS: 'true',
    IP_RATE_LIMIT: '1000000',
    OTP_MAX_ATTEMPTS: String(limits.attempts),
    LOCKOUT_THRESHOLD: String(limits.threshold),
    ...overrides,
  };
}

/** The environment a service process starts from: test mode, codes in responses, fixed keys. */
export function processEnv(overrides: Record<string, string> & { DATABASE_URL: string }): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SECRET_KEY: TEST_SECRET,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    OTP_IN_RESPONSE: 'true',
    ...overrides,
  };
}

/**
 * Starts the real service, compiled (`dist/main.js`, built by the global setup when stale, or another
 * build's `main.js` with its own Node flags: `compiled`), as a child process on 127.0.0.1, on the Node
 * that runs the tests (Node 24: the machine's Node 20 cannot load better-sqlite3 13), and waits until
 * `/healthz` answers. Its working directory is a fresh temporary folder,
 * so no `.env` is read: the service sees exactly the environment given, plus PATH and HOME.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const cwd = mkdtempSync(join(tmpdir(), 'twofa-process-'));
  const env = {
    PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? cwd,
    ...processEnv(options.env),
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const args = options.compiled ? [...options.compiled.nodeArgs, options.compiled.main] : [builtMain];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const keep = (text: string) => (text.length > 1_000_000 ? text.slice(-1_000_000) : text);
  child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout + chunk.toString())));
  child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr + chunk.toString())));

  let exit: ExitResult | undefined;
  const exited = new Promise<ExitResult>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      rmSync(cwd, { recursive: true, force: true });
      resolve(exit);
    });
  });
  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exit) throw new Error(`the service exited during start-up (${describeExit(exit)})\n${output()}`);
    if (await answers(`${url}/healthz`)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the service did not answer /healthz on ${url} in time\n${output()}`);
    }
    await sleep(100);
  }

  const pid = child.pid ?? -1;
  const signalAndWait = async (signal: NodeJS.Signals, graceMs?: number) => {
    if (exit) return exit;
    child.kill(signal);
    if (graceMs === undefined) return exited;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    url,
    port,
    pid,
    output,
    get exited() {
      return exit !== undefined;
    },
    stop: (graceMs = 15_000) => signalAndWait('SIGTERM', graceMs),
    kill: () => signalAndWait('SIGKILL'),
  };
}



function describeExit(exit: ExitResult): string {
  return exit.signal ? `signal ${exit.signal}` : `status ${String(exit.code)}`;
}


/**
 * Starts `count` service processes with one environment, side by side, as instances behind a
 * load balancer. Every process that started is added to `into` (for the test to stop), even
 * when another failed to start, whose error is then thrown.
 */
export async function startServiceProcesses(options: ServiceProcessOptions, into: ServiceProcess[], count = 2): Promise<void> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServiceProcess(options)));
  for (const result of started) if (result.status === 'fulfilled') into.push(result.value);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
}

export { freePort, sleep };
