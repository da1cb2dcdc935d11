import type { SealedValue } from '../crypto/secret-box.js';
import { dateOf, type Sql, type SqlDate } from '../db/sql.js';

/** A signing key as the table keeps it: the private part still sealed. */
export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  /** the public JWK, as JSON text */
  publicJwk: string;
  /** the PKCS#8 PEM sealed by the secret box */
  sealedPrivateKey: string;
  createdAt: Date;
}

/** A key being created: it becomes the active key of its algorithm unless another one already is. */
export type NewSigningKey = StoredSigningKey;

export type SigningKeysStore = ReturnType<typeof createSigningKeysStore>;

interface Row {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_key: string;
  created_at: SqlDate;
}

const keyOf = (row: Row): StoredSigningKey => ({
  kid: row.kid,
  algorithm: row.algorithm,
  publicJwk: row.public_jwk,
  sealedPrivateKey: row.private_key,
  createdAt: dateOf(row.created_at),
});

/**
 * Every statement on `signing_keys`, the keys that sign result tokens. A key is active for its
 * algorithm while `active_for` holds the algorithm's name; the column is unique, so of any
 * number of instances creating the first key at once, one insert wins and every instance then
 * reads the same key. A retired key keeps its row, and its place in the JWKS, until
 * `expires_at`, when the last token it can have signed has expired.
 */
export function createSigningKeysStore({ sql }: { sql: Sql }) {
  async function active(algorithm: string): Promise<StoredSigningKey | null> {
    const [row] = await sql.rows<Row>`
      SELECT kid, algorithm, public_jwk, private_key, created_at FROM signing_keys WHERE active_for = ${algorithm}`;
    return row ? keyOf(row) : null;
  }

  /** Inserts `key` as the active key of its algorithm, unless one is already: whether it was. */
  async function insertIfNoneActive(key: NewSigningKey): Promise<boolean> {
    const inserted = await sql.run`
      INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key, active_for, created_at)
      VALUES (${key.kid}, ${key.algorithm}, ${key.publicJwk}, ${key.sealedPrivateKey}, ${key.algorithm}, ${key.createdAt})
      ON CONFLICT DO NOTHING`;
    return inserted === 1;
  }

  /**
   * The public JWKs to publish at `now`: every active key, and every retired key whose tokens
   * may still be valid. Oldest first.
   */
  async function published(now: Date): Promise<string[]> {
    const rows = await sql.rows<{ public_jwk: string }>`
      SELECT public_jwk FROM signing_keys
       WHERE active_for IS NOT NULL OR expires_at > ${now}
       ORDER BY created_at, kid`;
    return rows.map((row) => row.public_jwk);
  }

  /**
   * In one transaction: retires every active key (of any algorithm, so a change of
   * RESULT_TOKEN_ALGORITHM retires the old algorithm's key too), stamping when its last token
   * expires and erasing its private part (instances that still hold it in memory sign with it
   * until they next read the active key), and makes `next` the active key of its algorithm.
   * The kids retired.
   */
  async function rotate(next: NewSigningKey, retiredAt: Date, lastTokenExpiresAt: Date): Promise<string[]> {
    return sql.unit(function* () {
      const { rows } = yield sql.statement`
        UPDATE signing_keys SET active_for = NULL, retired_at = ${retiredAt}, expires_at = ${lastTokenExpiresAt}, private_key = ''
         WHERE active_for IS NOT NULL
        RETURNING kid`;
      yield sql.statement`
        INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key, active_for, created_at)
        VALUES (${next.kid}, ${next.algorithm}, ${next.publicJwk}, ${next.sealedPrivateKey}, ${next.algorithm}, ${next.createdAt})`;
      return (rows as { kid: string }[]).map((key) => key.kid);
    });
  }

  /** The active keys' sealed private parts, for a key rotation (retired keys keep none). */
  async function* sealedSecrets(): AsyncIterable<SealedValue> {
    const rows = await sql.rows<{ kid: string; private_key: string }>`SELECT kid, private_key FROM signing_keys WHERE active_for IS NOT NULL`;
    for (const { kid, private_key: privateKey } of rows) {
      yield {
        owner: `signing key ${kid}`,
        stored: privateKey,
        replaceable: true,
        replace: async (resealed) =>
          (await sql.run`UPDATE signing_keys SET private_key = ${resealed} WHERE kid = ${kid} AND private_key = ${privateKey}`) === 1,
      };
    }
  }

  return { active, insertIfNoneActive, published, rotate, sealedSecrets };
}
