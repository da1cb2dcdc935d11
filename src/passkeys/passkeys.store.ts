import { boolOf, composeStatement, dateOf, sqlText, type Sql, type SqlBool, type SqlDate, type SqlText } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';
import { userTouchedSql } from '../users/users.store.js';

/** Which ceremony a challenge was issued for: it answers that one only. */
export type Ceremony = 'REGISTRATION' | 'AUTHENTICATION';

/** A registered passkey as an assertion is checked against it. */
export interface StoredCredential {
  id: number;
  credentialId: string;
  /** the COSE public key, base64url */
  publicKey: string;
  counter: number;
  transports: string[];
}

export interface NewPasskey {
  userId: number;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: string;
  name: string;
  createdAt: Date;
}

/** A passkey's row, every column, under the model's field names (what Pothos's `Passkey` type reads). */
export interface PasskeyRecord {
  id: number;
  userId: number;
  credentialId: string;
  publicKey: string;
  counter: bigint;
  transports: string;
  backedUp: boolean;
  deviceType: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface PasskeyRow {
  id: number;
  user_id: number;
  credential_id: string;
  public_key: string;
  counter: number | string | bigint;
  transports: string;
  backed_up: SqlBool;
  device_type: string;
  name: string;
  created_at: SqlDate;
  last_used_at: SqlDate | null;
}

/** Every passkey of a user deleted. */
export function passkeysDeletedSql(v: { userId: SqlText }): SqlText {
  return sqlText`DELETE FROM passkeys WHERE user_id = ${v.userId}`;
}

/** Every ceremony a user has open deleted. */
export function passkeyChallengesDeletedSql(v: { userId: SqlText }): SqlText {
  return sqlText`DELETE FROM passkey_challenges WHERE user_id = ${v.userId}`;
}

const TOUCH_ENABLED_USER = composeStatement({ userId: 'int', now: 'timestamp' }, (v) => userTouchedSql({ ...v, when: sqlText`otp_enabled = TRUE` }));

const passkeyOf = (row: PasskeyRow): PasskeyRecord => ({
  id: row.id,
  userId: row.user_id,
  credentialId: row.credential_id,
  publicKey: row.public_key,
  counter: BigInt(row.counter),
  transports: row.transports,
  backedUp: boolOf(row.backed_up),
  deviceType: row.device_type,
  name: row.name,
  createdAt: dateOf(row.created_at),
  lastUsedAt: dateOf(row.last_used_at),
});

/** How many unanswered challenges of one ceremony a user may hold (several tabs, a retry); older ones go. */
const LIVE_CHALLENGES_PER_CEREMONY = 5;

export type PasskeysStore = ReturnType<typeof createPasskeysStore>;

/**
 * Every statement on `passkeys` and `passkey_challenges`. A verification's statements (taking
 * a challenge, reading the credential, recording its use), registration and administration all
 * run on the driver through `sql`. Transports are kept comma-separated (SQLite
 * has no arrays) and the counter as a BIGINT (PostgreSQL's driver returns it as text): both end here.
 */
export function createPasskeysStore({ sql, outbox = createOutboxStore({ sql }) }: { sql: Sql; outbox?: OutboxStore }) {
  const transportsOf = (text: string) => text.split(',').filter(Boolean);

  /**
   * Records a challenge for the user and ceremony, and prunes the user's expired challenges
   * and all but the newest few live ones of the ceremony, so that asking again and again
   * cannot grow the table.
   */
  async function addChallenge(userId: number, ceremony: Ceremony, challenge: string, now: Date, expiresAt: Date): Promise<void> {
    await sql.run`
      INSERT INTO passkey_challenges (challenge, user_id, ceremony, expires_at, created_at)
      VALUES (${challenge}, ${userId}, ${ceremony}, ${expiresAt}, ${now})`;
    await sql.run`
      DELETE FROM passkey_challenges
       WHERE user_id = ${userId}
         AND (expires_at <= ${now}
              OR (ceremony = ${ceremony} AND id NOT IN (
                    SELECT id FROM passkey_challenges WHERE user_id = ${userId} AND ceremony = ${ceremony}
                     ORDER BY id DESC LIMIT ${LIVE_CHALLENGES_PER_CEREMONY})))`;
  }

  /**
   * Takes the challenge if it was issued to this user for this ceremony, in one conditional
   * delete: of concurrent answers to one challenge exactly one gets it, and it never works
   * again. Returns when it expires (the caller refuses an expired one), or null when there is
   * no such challenge (never issued, answered already, another user's or ceremony's).
   */
  async function takeChallenge(challenge: string, userId: number, ceremony: Ceremony): Promise<{ expiresAt: Date } | null> {
    const [row] = await sql.rows<{ expires_at: SqlDate }>`
      DELETE FROM passkey_challenges
       WHERE challenge = ${challenge} AND user_id = ${userId} AND ceremony = ${ceremony}
      RETURNING expires_at`;
    return row ? { expiresAt: dateOf(row.expires_at) } : null;
  }

  /** The user's passkey with this credential id, or null (no such credential, or another user's). */
  async function findCredential(userId: number, credentialId: string): Promise<StoredCredential | null> {
    const [row] = await sql.rows<{ id: number; credential_id: string; public_key: string; counter: number | string; transports: string }>`
      SELECT id, credential_id, public_key, counter, transports FROM passkeys
       WHERE credential_id = ${credentialId} AND user_id = ${userId}`;
    return row
      ? { id: row.id, credentialId: row.credential_id, publicKey: row.public_key, counter: Number(row.counter), transports: transportsOf(row.transports) }
      : null;
  }

  /**
   * Records a verified use, if the signature counter moved forward (or the authenticator keeps
   * none: 0 then and before). One conditional update, so two assertions with one counter
   * value cannot both pass. False when the counter did not move forward.
   */
  async function recordUse(id: number, counter: number, backedUp: boolean, now: Date): Promise<boolean> {
    const changed = await sql.run`
      UPDATE passkeys SET counter = ${counter}, backed_up = ${backedUp}, last_used_at = ${now}
       WHERE id = ${id} AND (counter < ${counter} OR (counter = 0 AND counter = ${counter}))`;
    return changed === 1;
  }

  /** The credential ids (and transports) of the user's passkeys, for the browser's allow and exclude lists. */
  async function credentialsOf(userId: number): Promise<{ credentialId: string; transports: string[] }[]> {
    const rows = await sql.rows<{ credential_id: string; transports: string }>`
      SELECT credential_id, transports FROM passkeys WHERE user_id = ${userId} ORDER BY id`;
    return rows.map((row) => ({ credentialId: row.credential_id, transports: transportsOf(row.transports) }));
  }

  /**
   * Stores a new passkey and writes `events` in the same transaction, if the user still has
   * two-factor on: the conditional write on the user's row comes first, so on PostgreSQL its
   * row lock queues a concurrent switch-off (which deletes every passkey) behind this one, and
   * a passkey never outlives two-factor being turned off. Null when two-factor is off; a
   * credential id registered already (by anyone) fails with the unique violation (isUniqueViolation).
   */
  function create(passkey: NewPasskey, events: readonly SecurityEvent[] = []): Promise<PasskeyRecord | null> {
    return sql.unit(function* () {
      const enabled = yield TOUCH_ENABLED_USER.statement(sql, { userId: passkey.userId, now: passkey.createdAt });
      if (enabled.count !== 1) return null;
      const { rows } = yield sql.statement`
        INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, backed_up, device_type, name, created_at)
        VALUES (${passkey.userId}, ${passkey.credentialId}, ${passkey.publicKey}, ${passkey.counter}, ${passkey.transports.join(',')},
                ${passkey.backedUp}, ${passkey.deviceType}, ${passkey.name}, ${passkey.createdAt})
        RETURNING id, user_id, credential_id, public_key, counter, transports, backed_up, device_type, name, created_at, last_used_at`;
      for (const statement of outbox.statements(events)) yield statement;
      return passkeyOf(rows[0] as PasskeyRow);
    });
  }

  /** The row id of the user whose passkey `id` is, or null when there is none. */
  async function ownerOf(id: number): Promise<number | null> {
    const [row] = await sql.rows<{ user_id: number }>`SELECT user_id FROM passkeys WHERE id = ${id}`;
    return row?.user_id ?? null;
  }

  /** Renames the user's passkey `id`; null when the user has none by that id. */
  async function rename(userId: number, id: number, name: string): Promise<PasskeyRecord | null> {
    const [row] = await sql.rows<PasskeyRow>`
      UPDATE passkeys SET name = ${name} WHERE id = ${id} AND user_id = ${userId}
      RETURNING id, user_id, credential_id, public_key, counter, transports, backed_up, device_type, name, created_at, last_used_at`;
    return row ? passkeyOf(row) : null;
  }

  /** Deletes the user's passkey `id` and writes `events` in the same transaction, only when it did: false when the user has none by that id. */
  async function remove(userId: number, id: number, events: readonly SecurityEvent[] = []): Promise<boolean> {
    return sql.unit(function* () {
      const removed = yield sql.statement`DELETE FROM passkeys WHERE id = ${id} AND user_id = ${userId}`;
      if (removed.count !== 1) return false;
      for (const statement of outbox.statements(events)) yield statement;
      return true;
    });
  }

  return { addChallenge, takeChallenge, findCredential, recordUse, credentialsOf, create, ownerOf, rename, remove };
}
