import { createAuditService } from '../audit/audit.service.js';
import { systemContext } from '../auth/caller.js';
import { systemClock } from '../clock/clock.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { createDatabase } from '../db/client.js';
import { rotateSecrets } from './rotate-keys.js';
import { createSecretBox } from './secret-box.js';

// `npm run rotate-keys`: after a new key is put first in ENCRYPTION_KEY (the old ones kept
// after it), re-seals every stored TOTP secret under the new key. Safe to run while the
// service runs, and again: a value already under the newest key is left alone.
try {
  const config = loadConfig();
  if (config.security.encryptionKeyIsEphemeral) {
    throw new Error('ENCRYPTION_KEY is not set: there is no key to rotate to (set it to "newId:base64,oldId:base64", the new key first)');
  }
  const database = createDatabase(config.database);
  try {
    await database.init();
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: (obj: object, msg?: string) => process.stderr.write(`${msg ?? 'error'} ${JSON.stringify(obj)}\n`),
    };
    const audit = createAuditService({ sql: database.sql, clock: systemClock, logger });
    const box = createSecretBox(config.security.encryptionKeys);
    const newest = config.security.encryptionKeys[0]?.id ?? '';
    const result = await rotateSecrets({ db: database.db, box, audit, context: systemContext('rotate-keys') });
    process.stdout.write(
      `Re-encrypted under key "${newest}": ${result.reencrypted}; already current: ${result.alreadyCurrent}; ` +
        `changed meanwhile (kept): ${result.changedMeanwhile}\n`,
    );
    if (result.unreadable.length) {
      process.stderr.write(
        `No configured key opens the TOTP secrets of user id(s) ${result.unreadable.join(', ')}: ` +
          'add the key they were sealed under to ENCRYPTION_KEY and run again\n',
      );
      process.exitCode = 1;
    }
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
