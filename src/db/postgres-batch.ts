import type pg from 'pg';
import { sendPipeline, type PipelinedStatement, type StatementResult } from './postgres-pipeline.js';

/**
 * At most this many statements in one pipeline; more asked for in one turn go out as further
 * pipelines on other connections. A pipeline holds the row locks its statements took until its
 * commit, so a longer one makes concurrent requests for the same rows wait longer and widens
 * the window for a deadlock between two pipelines (docs/performance.md has the measurements).
 */
const MAX_STATEMENTS = 32;

interface Entry {
  /** one caller's statements: a single write, or an atomic set that commits whole or not at all */
  statements: readonly PipelinedStatement[];
  /** the user whose rows it locks (Sql.forUser): a group sends such entries in the order of their keys */
  key?: string;
  /** whether it was already sent again after a deadlock or serialization failure (sent once more only) */
  sentAgain: boolean;
  resolve(results: StatementResult[]): void;
  reject(error: unknown): void;
}

/**
 * PostgreSQL's answers after which it has rolled the statement, or the whole transaction, back
 * and the same work may be sent again as it is: a deadlock's victim (40P01) and a serialization
 * conflict (40001). Under load, statements that take the same rows overlap for longer and more
 * of them meet; each such abort used to reach the caller.
 */
export const SEND_AGAIN = new Set(['40P01', '40001']);

/** The pause before sending again, random, so the two sides of a deadlock do not meet again in step. */
export const sendAgainPause = () => new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));

/**
 * PostgreSQL's writes committed in groups, as the SQLite executor groups them: every write
 * asked for during one turn of the event loop goes, in order, to one pooled connection as one
 * pipeline ({@link sendPipeline}): one round trip and one commit for the lot, instead of one each.
 * Each caller is answered once the group has committed, with its own rows and counts.
 *
 * A statement that fails aborts its group's transaction (PostgreSQL skips to the Sync and rolls
 * back), so its caller alone is told of the failure and the others are sent again, at the head
 * of the next group: each is still committed exactly once or refused, as if it had run alone.
 * A deadlock's victim or a serialization conflict is sent once more after a short pause
 * (its caller told only if it is aborted again), as a single statement was before. A failed
 * connection leaves unknown whether its group committed: every caller of it hears the error,
 * as the caller of a single statement did.
 *
 * The guess budget stays exact: each budget statement is one conditional write (its own check
 * and update, atomic under its row lock), and statements of one transaction run in order, so
 * a second guess for the same user in the same group sees the first.
 *
 * A group holds every row it locked until its commit, so two groups in flight that lock the
 * same two users in opposite orders deadlock each other (as a user's verify and its replay,
 * with other users' between them, did: up to 12 deadlocks in 240 verifies, each a 1 s stall
 * until PostgreSQL's deadlock_timeout). Writes that lock one user's rows say whose
 * (`Sql.forUser`, sql.ts); a group sends them after its other writes, in the order of their
 * keys (ties in the order asked), so every group takes the users it shares with another in
 * the same order. A victim all the same (a write without a key locking a user's row) is sent
 * again in a group of its own, which holds no other user's rows that a cycle could run through.
 */
export function createWriteBatcher(pool: pg.Pool, parsers: pg.CustomTypesConfig, onSentAgain?: (sqlstate: string) => void) {
  const queue: Entry[] = [];
  let scheduled = false;
  /**
   * Whether a connection has been asked of the pool and not yet given. One at a time: when
   * every connection is busy, what is asked for meanwhile waits here and leaves as one group
   * with the next connection to come free, rather than as a group per turn each waiting in the
   * pool's queue; under load the groups grow and the commits become fewer. The pool's wait
   * still bounds it: when no connection comes in time, every write waiting is refused.
   */
  let connecting = false;

  function write(statements: readonly PipelinedStatement[], key?: string): Promise<StatementResult[]> {
    return new Promise((resolve, reject) => enqueue({ statements, key, sentAgain: false, resolve, reject }));
  }

  function enqueue(...entries: Entry[]): void {
    queue.push(...entries);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  function flush(): void {
    scheduled = false;
    if (connecting || queue.length === 0) return;
    connecting = true;
    pool.connect().then(
      (client) => {
        connecting = false;
        const group = inLockOrder(queue.splice(0, groupSize()));
        if (queue.length > 0) enqueue();
        if (group.length === 0) client.release();
        else void send(client, group);
      },
      (error: unknown) => {
        connecting = false;
        for (const entry of queue.splice(0)) entry.reject(error);
      },
    );
  }

  /** how many entries at the head of the queue fit in one group */
  function groupSize(): number {
    let size = 0;
    let count = 0;
    for (const entry of queue) {
      if (size > 0 && size + entry.statements.length > MAX_STATEMENTS) break;
      size += entry.statements.length;
      count++;
    }
    return count;
  }

  async function send(client: pg.PoolClient, group: Entry[]): Promise<void> {
    const outcome = await sendPipeline(
      client,
      group.flatMap((entry) => entry.statements),
      parsers,
    );
    // a connection that failed is not given back to the pool for reuse
    client.release(outcome.ok || outcome.failedAt !== undefined ? undefined : errorOf(outcome.error));
    if (outcome.ok) {
      let next = 0;
      for (const entry of group) {
        entry.resolve(outcome.results.slice(next, next + entry.statements.length));
        next += entry.statements.length;
      }
      return;
    }
    const { error, failedAt } = outcome;
    if (failedAt === undefined) {
      for (const entry of group) entry.reject(error);
      return;
    }
    // the entry the failing statement belongs to; past the last one, the commit itself failed
    let failing: Entry | undefined;
    let start = 0;
    for (const entry of group) {
      if (failedAt < start + entry.statements.length) {
        failing = entry;
        break;
      }
      start += entry.statements.length;
    }
    const others = group.filter((entry) => entry !== failing);
    const sendAgain = SEND_AGAIN.has((error as { code?: unknown }).code as string);
    if (!failing) {
      // the commit failed: a conflict there concerns the whole group, sent once more; else every caller is told
      for (const entry of group) {
        if (sendAgain && !entry.sentAgain) void sendAgainLater(entry, error);
        else entry.reject(error);
      }
      return;
    }
    // the others wrote nothing either: they go first in the next group
    if (others.length > 0) {
      queue.unshift(...others);
      enqueue();
    }
    if (sendAgain && !failing.sentAgain) void sendAgainLater(failing, error);
    else failing.reject(error);
  }

  async function sendAgainLater(entry: Entry, error: unknown): Promise<void> {
    entry.sentAgain = true;
    // said, because a steady stream of them means statements take rows in clashing orders
    onSentAgain?.((error as { code: string }).code);
    await sendAgainPause();
    pool.connect().then(
      (client) => void send(client, [entry]),
      (connectError: unknown) => entry.reject(connectError),
    );
  }

  return { write };
}

/** A group's entries as they are sent: those without a key first, as asked, then the keyed ones in the order of their keys. */
function inLockOrder(group: Entry[]): Entry[] {
  const keyless = group.filter((entry) => entry.key === undefined);
  if (keyless.length === group.length) return group;
  const keyed = group.filter((entry): entry is Entry & { key: string } => entry.key !== undefined);
  // by code unit, the same order in every process; stable: one user's writes keep the order they were asked in
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return [...keyless, ...keyed];
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
