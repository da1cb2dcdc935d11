import type { Config } from '../config/config.js';
import type { Channel } from '../vocabulary/channel.js';
import type { CodesStore } from '../delivery/codes.store.js';
import type { UsersStore } from '../users/users.store.js';
import type { FactorKind } from '../vocabulary/assurance.js';

/** What a user can prove with, as a step-up decision needs it. */
export interface FactorInventory {
  userId: number;
  factors: FactorKind[];
  /** the channel a code goes out on when the caller names none */
  defaultChannel: Channel;
  hasApp: boolean;
  /** the channel of the user's newest delivered code while it can still be verified; null when none can */
  pendingChannel: Channel | null;
}

export type Factors = ReturnType<typeof createFactors>;

/**
 * The user's factors, read only when a caller asks for a minimum assurance (legacy callers pay
 * nothing for it): so that a method below it is refused before anything is sent or judged, with
 * the list of factors that would do.
 */
export function createFactors({
  users,
  codes,
  recovery,
  passkeys,
  config,
}: {
  users: Pick<UsersStore, 'findForSending' | 'guessRefusalState'>;
  codes: Pick<CodesStore, 'newest'>;
  // the recovery and passkeys stores' reads, named here: those capabilities sit above step-up/
  // (their changes ask it for a fresh verification)
  recovery: { remaining(userId: number): Promise<number> };
  passkeys: { credentialsOf(userId: number): Promise<readonly unknown[]> };
  config: Pick<Config, 'webauthn'>;
}) {
  async function of(username: string, now: Date): Promise<FactorInventory | null> {
    const [sending, app] = await Promise.all([users.findForSending(username), users.guessRefusalState(username)]);
    if (!sending || !app) return null;
    const [newest, recoveryLeft, registered] = await Promise.all([
      codes.newest(sending.id),
      recovery.remaining(sending.id),
      config.webauthn ? passkeys.credentialsOf(sending.id) : Promise.resolve([]),
    ]);
    const factors: FactorKind[] = [];
    if (sending.email) factors.push('EMAIL_CODE');
    if (sending.phoneNumber) factors.push('SMS_CODE');
    if (app.totpSecret) factors.push('AUTHENTICATOR_APP');
    if (recoveryLeft > 0) factors.push('RECOVERY_CODES');
    if (registered.length > 0) factors.push('PASSKEY');
    const pending = newest?.status === 'ACTIVE' && newest.expiresAt > now ? newest.channel : null;
    return {
      userId: sending.id,
      factors,
      defaultChannel: sending.deliveryMethod === 'SMS' ? 'SMS' : 'EMAIL',
      hasApp: app.totpSecret !== null,
      pendingChannel: pending,
    };
  }

  return { of };
}
