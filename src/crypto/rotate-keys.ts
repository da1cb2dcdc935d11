import type { AuditService } from '../audit/audit.service.js';
import { systemContext, type CallContext } from '../auth/caller.js';
import type { UsersStore } from '../users/users.store.js';
import type { SecretBox } from './secret-box.js';

export interface RotationResult {
  /** sealed values rewritten under the newest key */
  reencrypted: number;
  /** sealed values already under the newest key, left alone */
  alreadyCurrent: number;
  /** values that changed while being rewritten (a new enrolment): the newer value was kept */
  changedMeanwhile: number;
  /** ids of users whose secret no configured key opens: left as they are, for a person to look at */
  unreadable: number[];
}

export interface RotationDeps {
  users: Pick<UsersStore, 'sealedSecretsAfter' | 'resealSecret'>;
  box: SecretBox;
  audit: AuditService;
  context?: CallContext;
  batchSize?: number;
}

const columns = ['totpSecret', 'totpPendingSecret'] as const;

/**
 * Re-seals every TOTP secret (active and pending) that is not under the newest key. Rows
 * are read in batches by id; each value is written back only where the column still holds
 * the value that was read, so a concurrent enrolment or confirmation is never overwritten
 * with an older secret. Once it reports nothing left, older keys can be removed from
 * ENCRYPTION_KEY.
 */
export async function rotateSecrets({
  users: store,
  box,
  audit,
  context = systemContext('rotate-keys'),
  batchSize = 500,
}: RotationDeps): Promise<RotationResult> {
  const result: RotationResult = { reencrypted: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  let afterId = 0;
  for (;;) {
    const users = await store.sealedSecretsAfter(afterId, batchSize);
    for (const user of users) {
      for (const column of columns) {
        const stored = user[column];
        if (stored === null) continue;
        if (box.isCurrent(stored)) {
          result.alreadyCurrent++;
          continue;
        }
        let resealed: string;
        try {
          resealed = box.encrypt(box.decrypt(stored));
        } catch {
          if (!result.unreadable.includes(user.id)) result.unreadable.push(user.id);
          continue;
        }
        if (await store.resealSecret(user.id, column, stored, resealed)) result.reencrypted++;
        else result.changedMeanwhile++;
      }
    }
    const last = users.at(-1);
    if (!last || users.length < batchSize) break;
    afterId = last.id;
  }
  await audit.record({ event: 'KEY_ROTATION', outcome: result.unreadable.length ? 'FAILURE' : 'SUCCESS' }, context);
  return result;
}
