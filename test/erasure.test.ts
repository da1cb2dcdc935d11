// A user's right to erasure, and switching two-factor authentication off. Erasure deletes
// the person's data (destinations, secrets, codes) but keeps the audit trail, which must not
// keep their name: events stay, under a pseudonym.
import { describe, expect, it } from 'vitest';
import { ManualClock, useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { enrollAndConfirm, midStep } from './support/totp.js';
import { DeleteUserDocument, DisableTwoFactorDocument, GenerateRecoveryCodesDocument, UserDocument } from './generated/graphql.js';

describe('deleteUser and disableTwoFactor', () => {
  const clock = new ManualClock(midStep());
  const app = useTestApp({}, { clock });

  it('erases the user and their codes, and keeps the audit events under a pseudonym', async () => {
    const username = await createUser(app, { phoneNumber: '+4915112345678' });
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);

    const { deleteUser } = await execute(app, DeleteUserDocument, { username });
    const { pseudonym } = expectType(deleteUser, 'DeleteUserPayload');
    expect(pseudonym).toMatch(/^erased:[0-9a-f]{16}$/);
    expect((await execute(app, UserDocument, { username })).user).toBeNull();

    const database = await openTestDatabase();
    try {
      expect(await database.db.user.count({ where: { username } })).toBe(0);
      expect(await database.db.auditEvent.count({ where: { username } })).toBe(0);
      const kept = await database.db.auditEvent.findMany({ where: { username: pseudonym }, select: { event: true, userId: true }, orderBy: { id: 'asc' } });
      expect(kept.map((e) => e.event)).toEqual(['USER_CREATE', 'OTP_GENERATE', 'OTP_VERIFY', 'USER_DELETE']);
      expect(kept.every((e) => e.userId === null)).toBe(true);
      const rows = JSON.stringify(await database.db.auditEvent.findMany({ where: { username: pseudonym } }));
      expect(rows).not.toContain(username);
      expect(rows).not.toContain('4915112345678');
    } finally {
      await database.close();
    }
    const again = await execute(app, DeleteUserDocument, { username });
    expect(again.deleteUser.__typename).toBe('UserNotFoundError');
  });

  it('switches two-factor off: the pending code dies, the app and recovery codes go', async () => {
    const username = await createUser(app);
    await enrollAndConfirm(app, username, clock);
    expectType((await execute(app, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
    const { code } = await requestCode(app, username);

    const { disableTwoFactor } = await execute(app, DisableTwoFactorDocument, { username });
    expect(expectType(disableTwoFactor, 'User')).toMatchObject({ otpEnabled: false, totpEnabled: false, recoveryCodesLeft: 0 });
    const refused = await submitCode(app, username, code);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Two-factor authentication is not enabled for this user' });
  });
});
