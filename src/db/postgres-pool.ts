import pg from 'pg';
import type { DatabaseConfig } from '../config/config.js';

/**
 * How long a connection opened read-only is kept before it is replaced at its next checkout:
 * long enough that a database that stays read-only (a standby, a maintenance window) costs at
 * most one new connection per pool slot a second, short enough that the service writes again
 * about a second after the database does.
 */
const READ_ONLY_SESSION_MS = 1_000;

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * A pool whose connections opened while the database was read-only are replaced once the
 * database may have turned writable again. PostgreSQL fixes a session's
 * `default_transaction_read_only` when the session starts (`ALTER DATABASE ... SET` or a
 * role's setting reaches new sessions only), so a connection opened during a read-only spell
 * would refuse every write (25006) for as long as the pool kept it, which under steady
 * traffic is forever. A failover's standby works the same way until it is promoted.
 *
 * Each new connection first asks whether its session is read-only (a statement queued ahead
 * of its first use, so no round trip is waited for); a read-only one older than
 * READ_ONLY_SESSION_MS is dropped when next checked out and another taken instead. Writable
 * sessions are never dropped. Behind PgBouncer in transaction mode the statement would describe
 * one of PgBouncer's server connections, not this one, so no session is checked there: see
 * docs/deployment.md for what PgBouncer needs after a failover.
 */
export class PostgresPool extends pg.Pool {
  readonly #readOnlySince = new WeakMap<pg.PoolClient, number>();

  constructor(options: pg.PoolConfig, checkSessions: boolean) {
    super(options);
    // A connection the server ends while it is checked out but between statements (a write
    // group's connection, a unit's) emits 'error' with no query to hand it to, which would end
    // the process. Its holder learns of it from its next statement, and the pool drops it when
    // released with that error; an idle one is reported through the pool's own 'error' event.
    this.on('connect', (client) => client.on('error', () => undefined));
    if (!checkSessions) return;
    this.on('connect', (client) => {
      const openedAt = Date.now();
      client
        .query<{ read_only: string }>("SELECT current_setting('transaction_read_only') AS read_only")
        .then(({ rows }) => {
          if (rows[0]?.read_only === 'on') this.#readOnlySince.set(client, openedAt);
        })
        // a connection that cannot answer this fails its first real statement as well, and is reported there
        .catch(() => undefined);
    });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    const checkedOut = this.#checkOutCurrent();
    if (!callback) return checkedOut;
    // pool.query, which Prisma's adapter uses, checks out through this callback form
    checkedOut.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined, () => undefined),
    );
    return undefined;
  }

  async #checkOutCurrent(): Promise<pg.PoolClient> {
    for (;;) {
      const client = await super.connect();
      const since = this.#readOnlySince.get(client);
      if (since === undefined || Date.now() - since < READ_ONLY_SESSION_MS) return client;
      // released with an error: closed, and its slot free for a new connection
      client.release(new Error('session opened while the database was read-only'));
    }
  }
}

/**
 * The pool is made here rather than inside the adapter so its use can be measured, and so a
 * connection that dies while idle (the server restarted) is reported instead of crashing the
 * process: pg emits it as an 'error' event, fatal when nobody listens.
 */
export function createPool(config: DatabaseConfig, onPoolError?: (error: Error) => void): PostgresPool {
  const pool = new PostgresPool(
    {
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs,
      // Raw statements name tables unqualified; the search path points them at `?schema=`.
      options: config.schema ? `-c search_path=${quoteIdentifier(config.schema)}` : undefined,
    },
    !config.pgbouncer,
  );
  pool.on('error', (error) => onPoolError?.(error));
  return pool;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
