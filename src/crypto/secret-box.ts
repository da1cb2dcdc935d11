import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key and the id written beside every value it seals. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface SecretBox {
  /** seals `plain` under the newest key (the first configured) */
  encrypt(plain: string): string;
  /** opens a value sealed under any configured key; throws without echoing the value */
  decrypt(stored: string): string;
  /** the id of the key a stored value was sealed under */
  keyIdOf(stored: string): string;
  /** whether a stored value is sealed under the newest key (so rotation can skip it) */
  isCurrent(stored: string): boolean;
}

/** One sealed value, where it lives, and how to replace it only if it is still the value read. */
export interface SealedValue {
  /** who holds it, for a report: "user 12", "signing key 3f…", "webhook endpoint 4" */
  owner: string;
  stored: string;
  replace: (resealed: string) => Promise<boolean>;
  /** whether a new value can stand in for it when no key opens it (reported apart, as a warning) */
  replaceable?: boolean;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * AES-256-GCM for secrets kept in the database. A stored value reads
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts): the key id lets several keys
 * coexist while one is rotated out. The version, key id and `purpose` are authenticated as
 * associated data, so a value cannot be relabelled with another key id or moved to a
 * column of another purpose without failing the tag check.
 */
export function createSecretBox(keys: readonly EncryptionKey[], { purpose = 'totp' }: { purpose?: string } = {}): SecretBox {
  const [first] = keys;
  if (!first) throw new Error('secret box: at least one encryption key is required');
  const newest: EncryptionKey = first;
  for (const { id, key } of keys) {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`secret box: key id "${id}" must be letters, digits, _ or -`);
    if (key.length !== KEY_BYTES) throw new Error(`secret box: key ${id} must be ${KEY_BYTES} bytes`);
  }
  const byId = new Map(keys.map(({ id, key }) => [id, key]));
  const associatedData = (keyId: string) => Buffer.from(`${VERSION}.${keyId}.${purpose}`, 'utf8');

  function encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', newest.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(newest.id));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, newest.id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  function decrypt(stored: string): string {
    const { keyId, iv, ciphertext, tag } = parse(stored);
    const key = byId.get(keyId);
    if (!key) throw new Error(`secret box: no configured encryption key has the id "${keyId}"`);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Node's own message says little more; this one names the key, never the value.
      throw new Error(`secret box: a value sealed under key "${keyId}" failed authentication (wrong key or altered value)`);
    }
  }

  return {
    encrypt,
    decrypt,
    keyIdOf: (stored) => parse(stored).keyId,
    isCurrent: (stored) => parse(stored).keyId === newest.id,
  };
}

function parse(stored: string) {
  const parts = stored.split('.');
  const [version, keyId, iv, ciphertext, tag] = parts;
  if (parts.length !== 5 || version !== VERSION || !keyId || iv === undefined || ciphertext === undefined || tag === undefined) {
    throw new Error(`secret box: the stored value is not in the ${VERSION}.<keyId>.<iv>.<ciphertext>.<tag> format`);
  }
  const decoded = { keyId, iv: Buffer.from(iv, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url'), tag: Buffer.from(tag, 'base64url') };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES) {
    throw new Error(`secret box: the stored value under key "${keyId}" has a malformed IV or tag`);
  }
  return decoded;
}
