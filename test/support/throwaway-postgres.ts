import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './service-process.js';

const run = promisify(execFile);
const BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const OWNER = 'postgres';

export interface ThrowawayPostgres {
  readonly port: number;
  /** `postgresql://postgres@127.0.0.1:PORT/NAME` of a database made by {@link createDatabase} */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** stops the server (fast shutdown: open sessions are cut), keeping its data */
  stop(): Promise<void>;
  /** starts it again on the same port, with the same data */
  start(): Promise<void>;
  readonly running: boolean;
  /** stops it if it runs and deletes its folder; safe to call twice */
  destroy(): Promise<void>;
}

/**
 * A private PostgreSQL server of the test's own, in a temporary folder on a free port, to
 * stop and start at will (never the machine's shared server on 5432). initdb refuses to run
 * as root, so the folder belongs to the `postgres` user and the server runs as that user.
 * Durability is off (fsync): what is tested is the service's behaviour, not the disk's.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'twofa-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asOwner = (command: string, args: string[]) =>
    process.getuid?.() === 0 ? run('runuser', ['-u', OWNER, '--', join(BIN, command), ...args]) : run(join(BIN, command), args);
  let running = false;
  let destroyed = false;

  const pgCtl = (...args: string[]) => asOwner('pg_ctl', ['-D', data, ...args]);
  const start = async () => {
    await pgCtl('-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), 'start');
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await pgCtl('-w', '-t', '30', '-m', 'fast', 'stop');
    running = false;
  };

  try {
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', OWNER]);
      const { stdout: group } = await run('id', ['-g', OWNER]);
      chownSync(dir, Number(stdout.trim()), Number(group.trim()));
    }
    await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--encoding=UTF8', '--no-locale']);
    await start();
  } catch (error) {
    await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const urlOf = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    urlOf,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    stop,
    start,
    get running() {
      return running;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        await stop().catch(() => pgCtl('-m', 'immediate', 'stop'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
