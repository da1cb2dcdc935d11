// Attack: bent passkey answers. A phishing page relays the user's assertion (its origin is not
// ours), an attacker replays one that was accepted, answers a challenge issued to another user
// or for the other ceremony, signs for another relying party, strips user verification,
// presents another user's credential, forges a signature, winds a cloned authenticator's
// counter back, or sends a burst of bad answers at once. Each is refused with its own typed
// error and, having judged an answer, counts as a guess in the user's budget, so a burst is
// judged at most LOCKOUT_THRESHOLD times. An expired challenge is refused without a guess.
// The answers come from a software authenticator (support/soft-authenticator.ts) that can
// bend each part; the real browser is in browser-passkey.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { StartPasskeyRegistrationDocument } from './generated/graphql.js';
import { ManualClock, useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { budgetOf, burst } from './support/guess-burst.js';
import { enrolledAuthenticator, passkeyEnv, RP_ID, verificationOptions, verifyOnce, verifyWith } from './support/passkeys.js';
import { SoftAuthenticator, type Tamper } from './support/soft-authenticator.js';

const THRESHOLD = 10;
const BURST = 120;

describe('bent passkey answers', () => {
  const clock = new ManualClock();
  const app = useTestApp({ ...passkeyEnv, LOCKOUT_THRESHOLD: String(THRESHOLD), IP_RATE_LIMIT: '1000000' }, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  /** The user's guesses and the audit trail's verdicts on their verifications. */
  async function judged(username: string) {
    const rows = await database.db.auditEvent.findMany({ where: { username, event: 'OTP_VERIFY' }, select: { outcome: true, reason: true } });
    return { guesses: (await budgetOf(database, username)).failedVerifications, verdicts: rows.map((row) => `${row.outcome} ${row.reason ?? ''}`.trim()) };
  }

  it.each<[string, Tamper, string, string]>([
    ['made on a phishing page (another origin)', { origin: 'https://app.example.co' }, 'PasskeyOriginMismatchError', 'PASSKEY_ORIGIN_MISMATCH'],
    ['signed for another RP id', { rpId: 'example.co' }, 'PasskeyRpIdMismatchError', 'PASSKEY_RP_ID_MISMATCH'],
    ['without user verification', { userVerified: false }, 'PasskeyUserNotVerifiedError', 'PASSKEY_USER_NOT_VERIFIED'],
    ['with a tampered signature', { badSignature: true }, 'PasskeyInvalidError', 'PASSKEY_INVALID'],
    ['for a challenge the service never issued', { challenge: 'bm90LWEtY2hhbGxlbmdlLW9mLW91cnM' }, 'PasskeyChallengeInvalidError', 'PASSKEY_CHALLENGE_INVALID'],
  ])('refuses an assertion %s, as a guess', async (_case, tamper, typename, code) => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    expect((await verifyOnce(app, username, authenticator, tamper)).__typename).toBe(typename);
    expect(await judged(username)).toEqual({ guesses: 1, verdicts: [`FAILURE ${code}`] });
  });

  it('refuses a replayed assertion: the challenge was taken when it was first answered', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const answer = authenticator.assert(await verificationOptions(app, username));
    expect((await verifyWith(app, username, answer)).__typename).toBe('VerifyOtpPayload');
    expect((await verifyWith(app, username, answer)).__typename).toBe('PasskeyChallengeInvalidError');
    expect(await judged(username)).toEqual({ guesses: 1, verdicts: ['SUCCESS', 'FAILURE PASSKEY_CHALLENGE_INVALID'] });
  });

  it('refuses a bad answer’s challenge afterwards too: one answer per challenge, right or wrong', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const options = await verificationOptions(app, username);
    expect((await verifyWith(app, username, authenticator.assert(options, { badSignature: true }))).__typename).toBe('PasskeyInvalidError');
    expect((await verifyWith(app, username, authenticator.assert(options))).__typename).toBe('PasskeyChallengeInvalidError');
  });

  it('refuses an expired challenge without counting a guess', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const options = await verificationOptions(app, username);
    clock.advance(5 * 60_000 + 1);
    expect((await verifyWith(app, username, authenticator.assert(options))).__typename).toBe('PasskeyChallengeExpiredError');
    expect(await judged(username)).toEqual({ guesses: 0, verdicts: ['REFUSED PASSKEY_CHALLENGE_EXPIRED'] });
    // A new challenge works.
    expect((await verifyOnce(app, username, authenticator)).__typename).toBe('VerifyOtpPayload');
  });

  it('refuses a challenge issued to another user, and leaves it to its user', async () => {
    const victim = await createUser(app);
    const victimsKey = await enrolledAuthenticator(app, victim);
    const attacker = await createUser(app);
    const attackersKey = await enrolledAuthenticator(app, attacker);
    const victimsChallenge = await verificationOptions(app, victim);
    // The attacker signs the victim's challenge with their own passkey, as themselves.
    expect((await verifyWith(app, attacker, attackersKey.assert(victimsChallenge))).__typename).toBe('PasskeyChallengeInvalidError');
    expect((await judged(attacker)).guesses).toBe(1);
    expect((await verifyWith(app, victim, victimsKey.assert(victimsChallenge))).__typename).toBe('VerifyOtpPayload');
  });

  it('refuses a registration challenge answered as an assertion: a challenge serves its own ceremony', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
    const { options } = expectType(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
    expect((await verifyWith(app, username, authenticator.assert(options, { rpId: RP_ID }))).__typename).toBe('PasskeyChallengeInvalidError');
  });

  it('refuses another user’s passkey, even with a challenge of the user’s own', async () => {
    const victim = await createUser(app);
    const attacker = await createUser(app);
    await enrolledAuthenticator(app, victim);
    const attackersKey = await enrolledAuthenticator(app, attacker);
    // The attacker answers the victim's challenge with the attacker's (registered, valid) passkey.
    expect((await verifyWith(app, victim, attackersKey.assert(await verificationOptions(app, victim)))).__typename).toBe(
      'PasskeyUnknownCredentialError',
    );
    // Or names the victim's credential id with a key of their own.
    const forger = new SoftAuthenticator(attackersKey.origin);
    const victimsCredential = await database.db.passkey.findFirstOrThrow({ where: { user: { username: victim } } });
    const options = await verificationOptions(app, victim);
    expect((await verifyWith(app, victim, forger.assert(options, { credentialId: victimsCredential.credentialId }))).__typename).toBe(
      'PasskeyInvalidError',
    );
    expect(await judged(victim)).toEqual({ guesses: 2, verdicts: ['FAILURE PASSKEY_UNKNOWN_CREDENTIAL', 'FAILURE PASSKEY_INVALID'] });
  });

  it('refuses a signature counter that goes backwards or stands still (a cloned authenticator)', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    authenticator.counter = 41;
    expect((await verifyOnce(app, username, authenticator)).__typename).toBe('VerifyOtpPayload');
    expect((await verifyOnce(app, username, authenticator, { counter: 7 })).__typename).toBe('PasskeyCounterRegressedError');
    expect((await verifyOnce(app, username, authenticator, { counter: 42 })).__typename).toBe('PasskeyCounterRegressedError');
    expect((await judged(username)).verdicts).toEqual(['SUCCESS', 'FAILURE PASSKEY_COUNTER_REGRESSED', 'FAILURE PASSKEY_COUNTER_REGRESSED']);
    // The stored counter is the last accepted one; the original authenticator goes on.
    expect(Number((await database.db.passkey.findFirstOrThrow({ where: { user: { username } } })).counter)).toBe(42);
    expect((await verifyOnce(app, username, authenticator)).__typename).toBe('VerifyOtpPayload');
  });

  it('accepts an authenticator that keeps no counter (always 0)', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    expect((await verifyOnce(app, username, authenticator, { counter: 0 })).__typename).toBe('VerifyOtpPayload');
    expect((await verifyOnce(app, username, authenticator, { counter: 0 })).__typename).toBe('VerifyOtpPayload');
  });

  it(`judges exactly ${String(THRESHOLD)} of ${String(BURST)} concurrent bad assertions, then refuses a good one`, async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    // Bad in every way on offer, each on a challenge of its own where the service still keeps one.
    const kinds: Tamper[] = [{ badSignature: true }, { origin: 'https://app.example.co' }, { rpId: 'example.co' }, { userVerified: false }, {}];
    const answers = [];
    for (let i = 0; i < BURST; i++) {
      const options = i % 5 === 0 ? await verificationOptions(app, username) : { challenge: Buffer.from(`forged-${String(i)}`).toString('base64url'), rpId: RP_ID };
      answers.push(authenticator.assert(options, kinds[i % kinds.length] ?? {}));
    }
    const good = authenticator.assert(await verificationOptions(app, username));

    const outcome = await burst(database, username, answers.map((answer) => JSON.stringify(answer)), async (answer) => {
      const result = await verifyWith(app, username, JSON.parse(answer));
      return result.__typename === 'VerifyOtpPayload' ? 200 : result.__typename === 'UserLockedError' ? 429 : 400;
    });

    expect(outcome.successes).toBe(0);
    expect(outcome.judgedFailures).toBe(THRESHOLD);
    expect(outcome.refusedLocked).toBe(BURST - THRESHOLD);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: THRESHOLD });
    expect((await verifyWith(app, username, good)).__typename).toBe('UserLockedError');
  });
});
