/**
 * `npm run build && npx tsx bench/graphql-ab.ts [-- options]`: whether the GraphQL direct path
 * (src/graphql/direct-execution.ts) pays. GraphQL verifyOtp with a right code, sent as services
 * send it (the direct path answers) and with an empty `extensions` (a shape the direct path
 * leaves to Yoga whole), in alternating rounds on one compiled service, SQLite, with
 * `npm run bench`'s settings and Node flags. Alternating in one process keeps the comparison
 * fair on a machine whose other work comes and goes; medians are printed at the end, with the
 * service's CPU time per request, which that other work disturbs far less than req/s.
 *
 *   --rounds=N        rounds of both modes, the order alternating from round to round (default 3)
 *   --duration=S      seconds per measured phase, after 2 s of warm-up (default 8)
 *   --connections=N   concurrent connections (default 50)
 *   --pool=N          users, each given a fresh code before every phase (default 30000; a phase
 *                     that runs out of codes says so)
 *   --dist=DIR        the build to run (default dist)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadOptions } from './support/load.js';
import { freePort, productionCommand, root, startChild, stopAll } from './support/processes.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    dist: { type: 'string', default: 'dist' },
    pool: { type: 'string', default: '30000' },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const poolSize = Number(values.pool);
const log = (line: string) => process.stdout.write(`${line}\n`);

const BENCH_SETTINGS = {
  OTP_MAX_SENDS_PER_HOUR: '1000',
  OTP_RESEND_INTERVAL_SECONDS: '0',
  LOCKOUT_THRESHOLD: '1000',
  IP_RATE_LIMIT: '0',
  OTP_EXPIRATION_MINUTES: '30',
};
const VERIFY_MUTATION =
  'mutation Verify($username: String!, $code: String!) { verifyOtp(username: $username, code: $code) { __typename ... on VerifyOtpPayload { success } } }';
const JSON_BODY = { 'content-type': 'application/json' };

const tmp = mkdtempSync(join(tmpdir(), 'twofa-ab-'));
const production = productionCommand();
const script = join(root, values.dist, 'main.js');
const secrets = { SECRET_KEY: randomBytes(36).toString('base64url'), ENCRYPTION_KEY: randomBytes(32).toString('base64') };
const common = { LOG_LEVEL: 'warn', DATABASE_URL: `file:${join(tmp, 'ab.db')}`, OTP_IN_RESPONSE: 'true', ALLOW_ANONYMOUS_CALLERS: 'true', ...secrets, ...BENCH_SETTINGS };

try {
  const service = await startChild({
    name: 'service',
    script,
    env: { ...common, ...production.env, NODE_ENV: 'production' },
    cwd: tmp,
    port: await freePort(),
    nodeFlags: production.nodeFlags,
    readyPath: '/healthz',
  });
  const helper = await startChild({
    name: 'helper',
    script,
    env: { ...common, NODE_ENV: 'development' },
    cwd: tmp,
    port: await freePort(),
    readyPath: '/healthz',
  });
  const run = randomBytes(3).toString('hex');
  const users = Array.from({ length: poolSize }, (_, i) => `ab-${run}-${i}`);
  let t = Date.now();
  await createUsers(helper.url, users);
  log(`${users.length} users created in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // V8 compiles both paths before anything is measured: the first phase would pay for it.
  {
    const codes = await freshCodes(helper.url, users);
    let sent = 0;
    for (const mode of ['direct', 'yoga'] as const) {
      await runLoad({ ...verifyLoad(service.url, mode, () => codes[sent++]), duration: 3 });
    }
  }

  const results: Record<'direct' | 'yoga', { okPerS: number; p50: number; p99: number; cpuMs: number; load: number }[]> = { direct: [], yoga: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 ? (['direct', 'yoga'] as const) : (['yoga', 'direct'] as const)) {
      t = Date.now();
      const codes = await freshCodes(helper.url, users);
      log(`round ${round} ${mode}: ${codes.length} fresh codes in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      let sent = 0;
      let ok = 0;
      let ranOut = 0;
      const load = {
        ...verifyLoad(service.url, mode, () => codes[sent++] ?? (ranOut++, undefined)),
        onResponse: (status: number, body: string) => {
          if (status === 200 && body.includes('"__typename":"VerifyOtpPayload"')) ok++;
        },
      };
      await runLoad({ ...load, duration: 2 });
      ok = 0;
      ranOut = 0;
      const cpuBefore = service.cpuMs() ?? 0;
      const result = await runLoad(load);
      const cpuMs = ((service.cpuMs() ?? 0) - cpuBefore) / Math.max(1, result.responses);
      const row = { okPerS: Math.round(ok / result.durationS), p50: result.latencyMs.p50, p99: result.latencyMs.p99, cpuMs: Math.round(cpuMs * 1000) / 1000, load: loadavg()[0] ?? 0 };
      results[mode].push(row);
      log(`  ${mode}: ${row.okPerS} ok/s (${Math.round(result.rps)} responses/s), p50 ${row.p50} ms, p99 ${row.p99} ms, CPU ${row.cpuMs} ms/request, load ${row.load.toFixed(2)}${ranOut ? `, RAN OUT for ${ranOut}` : ''}`);
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
  };
  for (const mode of ['direct', 'yoga'] as const) {
    const rows = results[mode];
    log(`median ${mode}: ${Math.round(median(rows.map((r) => r.okPerS)))} ok/s, p99 ${median(rows.map((r) => r.p99))} ms, CPU ${median(rows.map((r) => r.cpuMs)).toFixed(3)} ms/request (${rows.length} runs)`);
  }
  log(JSON.stringify(results));
  await helper.stop();
  await service.stop();
} finally {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}

/** verifyOtp requests, each with the next fresh code (an unknown user once they run out), for one mode. */
function verifyLoad(url: string, mode: 'direct' | 'yoga', nextCode: () => [string, string] | undefined): LoadOptions {
  return {
    url,
    connections,
    duration,
    method: 'POST',
    path: '/graphql',
    headers: JSON_BODY,
    next: () => {
      const [username, code] = nextCode() ?? ['nobody', '000000'];
      // an empty `extensions` is a shape the direct path leaves to Yoga whole
      const body = { query: VERIFY_MUTATION, variables: { username, code }, ...(mode === 'yoga' ? { extensions: {} } : {}) };
      return { body: JSON.stringify(body) };
    },
  };
}

/** A new code for every user through the helper's generate (it supersedes the user's last). */
async function freshCodes(url: string, usernames: string[]): Promise<[string, string][]> {
  const codes = new Map<string, string>();
  let next = 0;
  await runLoad({
    url,
    connections,
    duration: 0,
    amount: usernames.length,
    method: 'POST',
    path: '/auth/generate',
    next: (context) => {
      const username = usernames[next++ % usernames.length] ?? '';
      context.username = username;
      return { path: `/auth/generate?username=${encodeURIComponent(username)}` };
    },
    onResponse: (status, body, context) => {
      if (status !== 200 || typeof context.username !== 'string') return;
      const code = (JSON.parse(body) as { otp_code?: unknown }).otp_code;
      if (typeof code === 'string') codes.set(context.username, code);
    },
  });
  return [...codes.entries()];
}

async function createUsers(url: string, usernames: string[]): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < usernames.length; i += 10) batches.push(usernames.slice(i, i + 10));
  let next = 0;
  const worker = async () => {
    for (let batch = batches[next++]; batch; batch = batches[next++]) {
      const fields = batch.map((u, i) => `u${i}: createUser(input: { username: ${JSON.stringify(u)}, email: ${JSON.stringify(`${u}@bench.test`)} }) { __typename }`).join(' ');
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ query: `mutation CreateUsers { ${fields} }` }) });
      if (!response.ok) throw new Error(`createUser failed: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
