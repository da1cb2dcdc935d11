import type { AuditService } from '../audit/audit.service.js';
import { systemContext, type CallContext } from '../auth/caller.js';
import type { SecretBox } from './secret-box.js';

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

/** One sealed value, where it lives, and how to replace it only if it is still the value read. */
export interface SealedValue {
  /** who holds it, for a report: "user 12", "signing key 3f…", "webhook endpoint 4" */
  owner: string;
  stored: string;
  replace: (resealed: string) => Promise<boolean>;
  /** whether a new value can stand in for it when no key opens it (reported apart, as a warning) */
  replaceable?: boolean;
}

export interface RotationDeps {
  /** every kind of sealed value, each read in batches or whole */
  sources: (() => AsyncIterable<SealedValue>)[];
  box: SecretBox;
  audit: AuditService;
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
