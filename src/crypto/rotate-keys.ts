import { systemContext, type CallContext } from '../auth/caller.js';
import type { SealedValue, SecretBox } from './secret-box.js';

export interface RotationResult {
  /** sealed values rewritten under the newest key */
  reencrypted: number;
  /** sealed values already under the newest key, left alone */
  alreadyCurrent: number;
  /** values that changed while being rewritten (a new enrolment): the newer value was kept */
  changedMeanwhile: number;
  /** what holds a value no configured key opens (e.g. "user 12"): left as it is, for a person to look at */
  unreadable: string[];
  /** the same for values that can be made anew instead (a signing key: keys:rotate-signing) */
  replaceable: string[];
}

export interface RotationDeps {
  /** every kind of sealed value, each read in batches or whole */
  sources: (() => AsyncIterable<SealedValue>)[];
  box: SecretBox;
  /** the audit trail's record (AuditService's), declared here so crypto/ sits below audit/ */
  audit: { record(entry: { event: 'KEY_ROTATION'; outcome: 'SUCCESS' | 'FAILURE' }, context: CallContext): Promise<void> };
  context?: CallContext;
}

/**
 * Re-seals every stored secret (app secrets, result-token signing keys, webhook secrets) that
 * is not under the newest key. Each value is written back only where it still holds what was
 * read, so a concurrent enrolment or rotation is never overwritten with an older secret. Once
 * it reports nothing left, older keys can be removed from ENCRYPTION_KEY.
 */
export async function rotateSecrets({ sources, box, audit, context = systemContext('rotate-keys') }: RotationDeps): Promise<RotationResult> {
  const result: RotationResult = { reencrypted: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [], replaceable: [] };
  for (const source of sources) {
    for await (const { owner, stored, replace, replaceable = false } of source()) {
      if (box.isCurrent(stored)) {
        result.alreadyCurrent++;
        continue;
      }
      let resealed: string;
      try {
        resealed = box.encrypt(box.decrypt(stored));
      } catch {
        const unreadable = replaceable ? result.replaceable : result.unreadable;
        if (!unreadable.includes(owner)) unreadable.push(owner);
        continue;
      }
      if (await replace(resealed)) result.reencrypted++;
      else result.changedMeanwhile++;
    }
  }
  await audit.record({ event: 'KEY_ROTATION', outcome: result.unreadable.length + result.replaceable.length ? 'FAILURE' : 'SUCCESS' }, context);
  return result;
}
