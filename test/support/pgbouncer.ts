import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './net.js';

export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

export interface TestPgBouncer {
  readonly port: number;
  /** `url` with its host and port swapped for PgBouncer's: the same database, through the pooler */
  through(url: string): string;
  /** PgBouncer's log so far, for failure messages */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of the test's own (Debian's package, 1.18 here) on a free port in front of the
 * PostgreSQL at `server` (`host:port`), in transaction pooling mode, trusting every user named
 * in its auth file as the machine's PostgreSQL trusts them. `serverPoolSize` server connections
 * per database and user at most, so a test's client connections share them and every
 * transaction may land on another one. It refuses to run as root: then it runs as `postgres`.
 */
export async function startTestPgBouncer(options: { server: string; users: string[]; serverPoolSize: number }): Promise<TestPgBouncer> {
  const [host = '127.0.0.1', serverPort = '5432'] = options.server.split(':');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'twofa-pgbouncer-'));
  const pidFile = join(dir, 'pgbouncer.pid');
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(join(dir, 'userlist.txt'), options.users.map((user) => `"${user}" ""\n`).join(''));
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${host} port=${serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.serverPoolSize}`,
      'max_client_conn = 500',
      // pg sends none of these unless asked; Prisma's adapter may set them
      'ignore_startup_parameters = extra_float_digits',
      `pidfile = ${pidFile}`,
      `logfile = ${logFile}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, file), uid, gid);
  }
  const command = asRoot ? 'runuser' : PGBOUNCER_BINARY;
  const args = [...(asRoot ? ['-u', 'postgres', '--', PGBOUNCER_BINARY] : []), '-d', join(dir, 'pgbouncer.ini')];
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  execFileSync(command, args, { stdio: 'pipe' });

  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} in time\n${log()}`);
    await sleep(50);
  }
  return {
    port,
    through(url) {
      const parsed = new URL(url);
      parsed.host = `127.0.0.1:${port}`;
      return parsed.toString();
    },
    log,
    async stop() {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
          for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
          if (alive(pid)) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listening(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}
