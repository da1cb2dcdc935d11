import { UserNotFoundError } from '../errors/errors.js';
import type { SealedValue } from '../crypto/secret-box.js';
import { boolOf, composeStatement, dateOf, sqlText, type Sql, type SqlBool, type SqlDate, type SqlResult, type SqlStatement, type SqlText } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';
import { auditPseudonymisedSql } from '../audit/audit.store.js';
import { pendingCodesSupersededSql } from '../delivery/codes.store.js';

/**
 * Takes one guess for a user who may verify (switched on, not suspended, not locked), in one
 * conditional update: counted as a failure now, locked at the window's last guess (`lockEnd`),
 * suspended at the run's last (`now`). The first guess after a lock ended opens a new window.
 * In SET, every column reads its value from before the update (SQLite and PostgreSQL).
 * NULLIF(x, x) is a NULL of the column's type, which PostgreSQL needs to type the CASE; a lock
 * still found here has ended (the WHERE admits no other) and is cleared. A piece for
 * statements that span tables (verification.store.ts) as for `takeGuess`.
 */
/** The user's row touched (`updated_at`), where `when` holds: a write that takes the row's lock first. */
export function userTouchedSql(v: { userId: SqlText; now: SqlText; when: SqlText }): SqlText {
  return sqlText`UPDATE users SET updated_at = ${v.now} WHERE id = ${v.userId} AND ${v.when}`;
}

export function guessTakenSql(v: { username: SqlText; now: SqlText; lockEnd: SqlText; threshold: SqlText; maxConsecutive: SqlText }): SqlText {
  return sqlText`
    UPDATE users
       SET failed_verifications = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END,
           consecutive_failures = consecutive_failures + 1,
           locked_until = CASE
             WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END) >= ${v.threshold} THEN ${v.lockEnd}
             ELSE NULLIF(locked_until, locked_until) END,
           suspended_at = CASE WHEN consecutive_failures + 1 >= ${v.maxConsecutive} THEN ${v.now} ELSE suspended_at END
     WHERE username = ${v.username}
       AND otp_enabled = TRUE
       AND suspended_at IS NULL
       AND (locked_until IS NULL OR locked_until <= ${v.now})
    RETURNING id, failed_verifications, consecutive_failures, totp_secret, totp_last_step`;
}

/** A success, when `when` holds: both counts, the lock and the suspension are cleared. */
export function guessesClearedSql(v: { userId: SqlText; when: SqlText }): SqlText {
  return sqlText`
    UPDATE users SET failed_verifications = 0, consecutive_failures = 0, locked_until = NULL, suspended_at = NULL
     WHERE id = ${v.userId} AND ${v.when}`;
}

/**
 * Takes the send interval: the last send is older than `earliest` (or none) and the user's
 * sends of the sliding hour since `since` (delivered or in flight, not failed) are fewer than
 * `max`, counted by the same statement, so a request under neither limit costs one round trip.
 */
export function sendIntervalTakenSql(v: { userId: SqlText; now: SqlText; earliest: SqlText; since: SqlText; max: SqlText }): SqlText {
  return sqlText`
    UPDATE users SET last_send_at = ${v.now}
     WHERE id = ${v.userId} AND (last_send_at IS NULL OR last_send_at <= ${v.earliest})
       AND (SELECT COUNT(*) FROM otp_logs
             WHERE user_id = ${v.userId} AND created_at > ${v.since} AND status <> 'FAILED') < ${v.max}`;
}

/** What `guessTakenSql` returns. */
const TAKE_GUESS = composeStatement(
  { username: 'text', now: 'timestamp', lockEnd: 'timestamp', threshold: 'int', maxConsecutive: 'int' },
  guessTakenSql,
);
/** What switching two-factor off clears besides the user's row, each in its owner's words (and `clearedWithTwoFactor`). */
const CODES_SUPERSEDED = composeStatement({ userId: 'int' }, pendingCodesSupersededSql);
const AUDIT_PSEUDONYMISED = composeStatement({ userId: 'int', pseudonym: 'text' }, auditPseudonymisedSql);
const CLEAR_GUESSES = composeStatement({ userId: 'int' }, (v) => guessesClearedSql({ userId: v.userId, when: sqlText`TRUE` }));
const TAKE_SEND_INTERVAL = composeStatement(
  { userId: 'int', now: 'timestamp', earliest: 'timestamp', since: 'timestamp', max: 'int' },
  sendIntervalTakenSql,
);

/** What generate needs of a user. */
export interface SendingUser {
  id: number;
  email: string | null;
  phoneNumber: string | null;
  deliveryMethod: string;
  /** the user's own order of channels (users.channel_order), null for the default */
  channelOrder: string[] | null;
  otpEnabled: boolean;
  locale: string;
  suspended: boolean;
}

/** A user's authenticator-app state as verification reads it. */
export interface AppState {
  id: number;
  totpSecret: string | null;
  totpLastStep: number | null;
}

/** The counts after a guess was taken, with the app state read by the same statement. */
export interface TakenGuess extends AppState {
  /** guesses taken in this lockout window, this one included */
  windowGuesses: number;
  /** failures in a row across windows, this one included */
  consecutiveFailures: number;
}

/** The columns guessTakenSql returns, as the driver gives them; takenGuessOf reads them. */
export interface TakenGuessRecord {
  id: number;
  failed_verifications: number;
  consecutive_failures: number;
  totp_secret: string | null;
  totp_last_step: number | null;
}

/** A taken guess's columns as verification speaks of them. */
export function takenGuessOf(row: TakenGuessRecord): TakenGuess {
  return {
    id: row.id,
    totpSecret: row.totp_secret,
    totpLastStep: row.totp_last_step,
    windowGuesses: row.failed_verifications,
    consecutiveFailures: row.consecutive_failures,
  };
}

export interface GuessLimits {
  threshold: number;
  maxConsecutive: number;
}

/** Why no guess could be taken: the user's switches as they are now, with the app state a retry is judged by. */
export interface GuessRefusalState extends AppState {
  otpEnabled: boolean;
  suspended: boolean;
  lockedUntil: Date | null;
}

export interface NewUser {
  username: string;
  /** usernameKey(username): unique, so a name that looks like another's is refused */
  usernameKey: string;
  email: string | null;
  phoneNumber: string | null;
  deliveryMethod: string;
  /** comma-separated channels, null for the default order */
  channelOrder: string | null;
  locale: string;
  otpEnabled: boolean;
}

export type UserChanges = Pick<NewUser, 'email' | 'phoneNumber' | 'deliveryMethod' | 'channelOrder' | 'locale' | 'otpEnabled'>;

/**
 * A user's row, every column, under the model's field names (what Pothos's `User` type reads):
 * what a new user is given, and what the service keeps on it since.
 */
export interface UserRecord extends UserChanges {
  id: number;
  username: string;
  usernameKey: string | null;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: number | null;
  failedVerifications: number;
  lockedUntil: Date | null;
  consecutiveFailures: number;
  suspendedAt: Date | null;
  lastSendAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  id: number;
  username: string;
  username_key: string | null;
  email: string | null;
  phone_number: string | null;
  delivery_method: string;
  channel_order: string | null;
  locale: string;
  otp_enabled: SqlBool;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_enabled_at: SqlDate | null;
  totp_last_step: number | null;
  failed_verifications: number;
  locked_until: SqlDate | null;
  consecutive_failures: number;
  suspended_at: SqlDate | null;
  last_send_at: SqlDate | null;
  created_at: SqlDate;
  updated_at: SqlDate;
}

const userOf = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  usernameKey: row.username_key,
  email: row.email,
  phoneNumber: row.phone_number,
  deliveryMethod: row.delivery_method,
  channelOrder: row.channel_order,
  locale: row.locale,
  otpEnabled: boolOf(row.otp_enabled),
  totpSecret: row.totp_secret,
  totpPendingSecret: row.totp_pending_secret,
  totpEnabledAt: dateOf(row.totp_enabled_at),
  totpLastStep: row.totp_last_step,
  failedVerifications: row.failed_verifications,
  lockedUntil: dateOf(row.locked_until),
  consecutiveFailures: row.consecutive_failures,
  suspendedAt: dateOf(row.suspended_at),
  lastSendAt: dateOf(row.last_send_at),
  createdAt: dateOf(row.created_at),
  updatedAt: dateOf(row.updated_at),
});

/** The row a write by id returned: none means there is no such user (any more). */
function written(row: UserRow | undefined): UserRow {
  if (!row) throw new UserNotFoundError();
  return row;
}

export type UsersStore = ReturnType<typeof createUsersStore>;

/**
 * Every statement on the `users` table, on the driver through `sql` (docs/development.md,
 * "Reaching the database"). Callers speak in domain types: the
 * SQLite and PostgreSQL differences (booleans as 0/1, timestamps as text) end here.
 */
export function createUsersStore({
  sql,
  outbox = createOutboxStore({ sql }),
  clearedWithTwoFactor,
}: {
  sql: Sql;
  outbox?: OutboxStore;
  /**
   * What else switching two-factor off clears, each a piece of its table's own store (recovery
   * codes, passkeys and their challenges: services.ts passes them, since those stores build on
   * this one's `userTouchedSql` and sit above it).
   */
  clearedWithTwoFactor: readonly ((v: { userId: SqlText }) => SqlText)[];
}) {
  const alsoCleared = clearedWithTwoFactor.map((piece) => composeStatement({ userId: 'int' }, piece));
  async function idOf(username: string): Promise<number | null> {
    const [row] = await sql.rows<{ id: number }>`SELECT id FROM users WHERE username = ${username}`;
    return row?.id ?? null;
  }

  /** The user's name, read inside another store's unit (Sql.unit) that writes it elsewhere: `yield*` it. */
  function* nameIn(userId: number): Generator<SqlStatement, string | null, SqlResult> {
    const { rows } = yield sql.statement`SELECT username FROM users WHERE id = ${userId}`;
    return (rows[0] as { username: string } | undefined)?.username ?? null;
  }

  async function findForSending(username: string): Promise<SendingUser | null> {
    const [row] = await sql.rows<{
      id: number;
      email: string | null;
      phone_number: string | null;
      delivery_method: string;
      channel_order: string | null;
      otp_enabled: SqlBool;
      locale: string;
      suspended_at: SqlDate | null;
    }>`SELECT id, email, phone_number, delivery_method, channel_order, otp_enabled, locale, suspended_at FROM users WHERE username = ${username}`;
    if (!row) return null;
    return {
      id: row.id,
      email: row.email,
      phoneNumber: row.phone_number,
      deliveryMethod: row.delivery_method,
      channelOrder: row.channel_order ? row.channel_order.split(',') : null,
      otpEnabled: boolOf(row.otp_enabled),
      locale: row.locale,
      suspended: row.suspended_at !== null,
    };
  }

  /**
   * Takes one guess for a user who may verify (switched on, not suspended, not locked), in one
   * conditional update: counted as a failure now, locked at the window's last guess (`lockEnd`),
   * suspended at the run's last (`now`). The first guess after a lock ended opens a new window.
   * Null when the user cannot verify or does not exist.
   */
  async function takeGuess(username: string, now: Date, lockEnd: Date, limits: GuessLimits): Promise<TakenGuess | null> {
    const [row] = await sql.rows<TakenGuessRecord>(
      ...TAKE_GUESS.args(sql.dialect, { username, now, lockEnd, threshold: limits.threshold, maxConsecutive: limits.maxConsecutive }),
    );
    return row ? takenGuessOf(row) : null;
  }

  /** `takeGuess` as a step of a {@link Sql.unit}, so that later statements of the same unit can depend on it. */
  function* takingGuess(username: string, now: Date, lockEnd: Date, limits: GuessLimits): Generator<SqlStatement, TakenGuess | null, SqlResult> {
    const { rows } = yield TAKE_GUESS.statement(sql, { username, now, lockEnd, threshold: limits.threshold, maxConsecutive: limits.maxConsecutive });
    const [row] = rows as TakenGuessRecord[];
    return row ? takenGuessOf(row) : null;
  }

  async function guessRefusalState(username: string): Promise<GuessRefusalState | null> {
    const [row] = await sql.rows<{
      id: number;
      otp_enabled: SqlBool;
      suspended_at: SqlDate | null;
      locked_until: SqlDate | null;
      totp_secret: string | null;
      totp_last_step: number | null;
    }>`SELECT id, otp_enabled, suspended_at, locked_until, totp_secret, totp_last_step FROM users WHERE username = ${username}`;
    if (!row) return null;
    return {
      id: row.id,
      otpEnabled: boolOf(row.otp_enabled),
      suspended: row.suspended_at !== null,
      lockedUntil: dateOf(row.locked_until),
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step,
    };
  }

  /** A success: both counts, the lock and the suspension are cleared (for an atomic set, see verification.store.ts). */
  function clearGuessesStatement(userId: number): SqlStatement {
    return CLEAR_GUESSES.statement(sql, { userId });
  }

  /** A guess that judged nothing: given back, with the lock or suspension its taking set (`username` orders it, see `Sql.forUser`). */
  async function giveBackGuess(userId: number, username: string, limits: GuessLimits): Promise<void> {
    await sql.forUser(username).run`
      UPDATE users
         SET failed_verifications = CASE WHEN failed_verifications > 0 THEN failed_verifications - 1 ELSE 0 END,
             consecutive_failures = CASE WHEN consecutive_failures > 0 THEN consecutive_failures - 1 ELSE 0 END,
             locked_until = CASE WHEN failed_verifications >= ${limits.threshold} THEN NULL ELSE locked_until END,
             suspended_at = CASE WHEN consecutive_failures >= ${limits.maxConsecutive} THEN NULL ELSE suspended_at END
       WHERE id = ${userId}`;
  }

  /** Guesses taken in the current window (0 while a lock that ended is still recorded). */
  async function windowGuesses(userId: number, now: Date): Promise<number> {
    const [row] = await sql.rows<{ failed_verifications: number; locked_until: SqlDate | null }>`
      SELECT failed_verifications, locked_until FROM users WHERE id = ${userId}`;
    const lockedUntil = dateOf(row?.locked_until ?? null);
    return row && !(lockedUntil && lockedUntil <= now) ? row.failed_verifications : 0;
  }

  /** Takes the send interval: true when the last send is older than `earliest` (or none) and the hour has room. */
  async function takeSendInterval(userId: number, now: Date, earliest: Date, hour: { since: Date; max: number }): Promise<boolean> {
    const taken = await sql.run(...TAKE_SEND_INTERVAL.args(sql.dialect, { userId, now, earliest, since: hour.since, max: hour.max }));
    return taken === 1;
  }

  /** Gives back the interval taken at `takenAt`; it was only taken when the last send was old enough. */
  async function giveBackSendInterval(userId: number, takenAt: Date): Promise<void> {
    await sql.run`UPDATE users SET last_send_at = NULL WHERE id = ${userId} AND last_send_at = ${takenAt}`;
  }

  async function lastSendAt(userId: number): Promise<Date | null> {
    const [row] = await sql.rows<{ last_send_at: SqlDate | null }>`SELECT last_send_at FROM users WHERE id = ${userId}`;
    return dateOf(row?.last_send_at ?? null);
  }

  /** Accepts an app code's time step once: true when `step` is later than every accepted one (`username` orders it, see `Sql.forUser`). */
  async function acceptTotpStep(userId: number, username: string, step: number): Promise<boolean> {
    const accepted = await sql.forUser(username).run`
      UPDATE users SET totp_last_step = ${step}
       WHERE id = ${userId} AND (totp_last_step IS NULL OR totp_last_step < ${step})`;
    return accepted === 1;
  }

  async function setPendingTotp(userId: number, sealedSecret: string): Promise<void> {
    await sql.run`UPDATE users SET totp_pending_secret = ${sealedSecret}, updated_at = ${new Date()} WHERE id = ${userId}`;
  }

  async function pendingTotp(username: string): Promise<{ id: number; sealedSecret: string | null } | null> {
    const [row] = await sql.rows<{ id: number; totp_pending_secret: string | null }>`
      SELECT id, totp_pending_secret FROM users WHERE username = ${username}`;
    return row ? { id: row.id, sealedSecret: row.totp_pending_secret } : null;
  }

  /**
   * Makes the pending secret active if it is still `sealedSecret` (a re-enrolment may have
   * replaced it), and writes `events` in the same transaction, only when it did.
   */
  async function activatePendingTotp(userId: number, sealedSecret: string, step: number, now: Date, events: readonly SecurityEvent[] = []): Promise<boolean> {
    return sql.unit(function* () {
      const moved = yield sql.statement`
        UPDATE users SET totp_secret = ${sealedSecret}, totp_pending_secret = NULL, totp_enabled_at = ${now}, totp_last_step = ${step},
                         updated_at = ${new Date()}
         WHERE id = ${userId} AND totp_pending_secret = ${sealedSecret}`;
      if (moved.count !== 1) return false;
      for (const statement of outbox.statements(events)) yield statement;
      return true;
    });
  }

  /** Every sealed app secret (active and pending), read in batches by id, for a key rotation. */
  async function* sealedSecrets(batchSize = 500): AsyncIterable<SealedValue> {
    for (let afterId = 0; ; ) {
      const users = await sql.rows<{ id: number; totp_secret: string | null; totp_pending_secret: string | null }>`
        SELECT id, totp_secret, totp_pending_secret FROM users
         WHERE id > ${afterId} AND (totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL)
         ORDER BY id LIMIT ${batchSize}`;
      for (const user of users) {
        if (user.totp_secret !== null) {
          const stored = user.totp_secret;
          yield {
            owner: `user ${user.id}`,
            stored,
            replace: async (resealed) =>
              (await sql.run`UPDATE users SET totp_secret = ${resealed}, updated_at = ${new Date()} WHERE id = ${user.id} AND totp_secret = ${stored}`) === 1,
          };
        }
        if (user.totp_pending_secret !== null) {
          const stored = user.totp_pending_secret;
          yield {
            owner: `user ${user.id}`,
            stored,
            replace: async (resealed) =>
              (await sql.run`
                UPDATE users SET totp_pending_secret = ${resealed}, updated_at = ${new Date()}
                 WHERE id = ${user.id} AND totp_pending_secret = ${stored}`) === 1,
          };
        }
      }
      const last = users.at(-1);
      if (!last || users.length < batchSize) return;
      afterId = last.id;
    }
  }

  /** A new user (a taken name or name key fails with the database's unique violation, see isUniqueViolation). */
  async function create(user: NewUser): Promise<UserRecord> {
    const now = new Date();
    const [row] = await sql.rows<UserRow>`
      INSERT INTO users (username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, created_at, updated_at)
      VALUES (${user.username}, ${user.usernameKey}, ${user.email}, ${user.phoneNumber}, ${user.deliveryMethod}, ${user.channelOrder},
              ${user.locale}, ${user.otpEnabled}, ${now}, ${now})
      RETURNING id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at`;
    return userOf(written(row));
  }

  async function findByName(username: string): Promise<UserRecord | null> {
    const [row] = await sql.rows<UserRow>`SELECT id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at FROM users WHERE username = ${username}`;
    return row ? userOf(row) : null;
  }

  async function findById(userId: number): Promise<UserRecord | null> {
    const [row] = await sql.rows<UserRow>`
      SELECT id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at
        FROM users WHERE id = ${userId}`;
    return row ? userOf(row) : null;
  }

  async function update(userId: number, changes: UserChanges): Promise<UserRecord> {
    const [row] = await sql.rows<UserRow>`
      UPDATE users
         SET email = ${changes.email}, phone_number = ${changes.phoneNumber}, delivery_method = ${changes.deliveryMethod},
             channel_order = ${changes.channelOrder}, locale = ${changes.locale}, otp_enabled = ${changes.otpEnabled}, updated_at = ${new Date()}
       WHERE id = ${userId}
      RETURNING id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at`;
    return userOf(written(row));
  }

  /** Two-factor off: the app, pending codes, recovery codes and passkeys go, so switching it on starts clean. */
  async function disableTwoFactor(userId: number, events: readonly SecurityEvent[] = []): Promise<UserRecord> {
    return sql.unit(function* () {
      const { rows } = yield sql.statement`
        UPDATE users
           SET otp_enabled = ${false}, totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
               updated_at = ${new Date()}
         WHERE id = ${userId}
        RETURNING id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at`;
      const user = userOf(written(rows[0] as UserRow | undefined));
      for (const cleared of [CODES_SUPERSEDED, ...alsoCleared]) {
        yield cleared.statement(sql, { userId });
      }
      for (const statement of outbox.statements(events)) yield statement;
      return user;
    });
  }

  /** An operator's reinstatement: the suspension, the lock and both counts are cleared. */
  async function reinstate(userId: number): Promise<UserRecord> {
    const [row] = await sql.rows<UserRow>`
      UPDATE users SET suspended_at = NULL, locked_until = NULL, failed_verifications = 0, consecutive_failures = 0, updated_at = ${new Date()}
       WHERE id = ${userId}
      RETURNING id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at`;
    return userOf(written(row));
  }

  /** Deletes the user (codes and recovery codes cascade); their audit rows keep `pseudonym` instead of the name. */
  async function erase(userId: number, pseudonym: string): Promise<void> {
    const [, deleted] = await sql.atomic([
      AUDIT_PSEUDONYMISED.statement(sql, { userId, pseudonym }),
      sql.statement`DELETE FROM users WHERE id = ${userId}`,
    ]);
    if (deleted !== 1) throw new UserNotFoundError();
  }

  /** A user's state for an operator (never a secret). */
  async function describe(username: string) {
    const [row] = await sql.rows<UserRow & { recovery_codes_left: number | string }>`
      SELECT id, username, username_key, email, phone_number, delivery_method, channel_order, locale, otp_enabled, totp_secret,
             totp_pending_secret, totp_enabled_at, totp_last_step, failed_verifications, locked_until, consecutive_failures,
             suspended_at, last_send_at, created_at, updated_at,
             (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id AND r.used_at IS NULL) AS recovery_codes_left
        FROM users WHERE username = ${username}`;
    if (!row) return null;
    const user = userOf(row);
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      phoneNumber: user.phoneNumber,
      deliveryMethod: user.deliveryMethod,
      channelOrder: user.channelOrder,
      locale: user.locale,
      otpEnabled: user.otpEnabled,
      totpEnabledAt: user.totpEnabledAt,
      lockedUntil: user.lockedUntil,
      failedVerifications: user.failedVerifications,
      consecutiveFailures: user.consecutiveFailures,
      suspendedAt: user.suspendedAt,
      createdAt: user.createdAt,
      recoveryCodesLeft: Number(row.recovery_codes_left),
    };
  }

  return {
    idOf,
    nameIn,
    findForSending,
    takeGuess,
    takingGuess,
    guessRefusalState,
    clearGuessesStatement,
    giveBackGuess,
    windowGuesses,
    takeSendInterval,
    giveBackSendInterval,
    lastSendAt,
    acceptTotpStep,
    setPendingTotp,
    pendingTotp,
    activatePendingTotp,
    sealedSecrets,
    create,
    findByName,
    findById,
    update,
    disableTwoFactor,
    reinstate,
    erase,
    describe,
  };
}
