import { describe, expect, it } from 'vitest';
import { createTestApp, uniqueName, useTestApp } from './support/app.js';
import { createUser, wrongCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import {
  GenerateOtpDocument,
  LogsDocument,
  NodeDocument,
  UserDocument,
  VerifyOtpDocument,
} from './generated/graphql.js';

describe('GraphQL one-time codes', () => {
  const app = useTestApp({ OTP_RESEND_INTERVAL_SECONDS: '0' });

  const generate = async (username: string) => (await execute(app, GenerateOtpDocument, { username })).generateOtp;
  const verify = async (username: string, code: string) =>
    (await execute(app, VerifyOtpDocument, { username, code })).verifyOtp;

  /** Generates a code and returns it (OTP_IN_RESPONSE is on in tests). */
  async function codeFor(username: string) {
    const { otpCode } = expectType(await generate(username), 'GenerateOtpPayload');
    if (otpCode === null) throw new Error('OTP_IN_RESPONSE is on in tests: the code should be returned');
    return otpCode;
  }

  describe('generateOtp', () => {
    it('delivers a code by email and returns it where OTP_IN_RESPONSE is on', async () => {
      const before = Date.now();
      const payload = expectType(await generate(await createUser(app)), 'GenerateOtpPayload');
      expect(payload).toMatchObject({ channel: 'EMAIL', destination: 'a***@example.com' });
      expect(payload.otpCode).toMatch(/^\d{6}$/);
      const expiresIn = new Date(payload.expiresAt).getTime() - before;
      expect(expiresIn).toBeGreaterThan(4 * 60_000);
      expect(expiresIn).toBeLessThanOrEqual(5 * 60_000 + 1_000);
    });

    it('delivers by SMS to a user who chose it, masking the number', async () => {
      const username = await createUser(app, { email: null, phoneNumber: '+4915112345678', deliveryMethod: 'SMS' });
      const payload = expectType(await generate(username), 'GenerateOtpPayload');
      expect(payload.channel).toBe('SMS');
      expect(payload.destination).not.toContain('12345');
    });

    it('never returns the code where OTP_IN_RESPONSE is off', async () => {
      const quiet = await createTestApp({ OTP_IN_RESPONSE: 'false' });
      try {
        const username = await createUser(quiet);
        const { generateOtp } = await execute(quiet, GenerateOtpDocument, { username });
        expect(expectType(generateOtp, 'GenerateOtpPayload').otpCode).toBeNull();
      } finally {
        await quiet.close();
      }
    });

    it('answers DeliveryFailedError naming the channel when the provider fails', async () => {
      const failing = await createTestApp(
        {},
        { delivery: { send: () => Promise.reject(new Error('connection refused')), close: async () => undefined } },
      );
      try {
        const username = await createUser(failing);
        const { generateOtp } = await execute(failing, GenerateOtpDocument, { username });
        expect(generateOtp).toEqual({
          __typename: 'DeliveryFailedError',
          code: 'DELIVERY_FAILED',
          channel: 'EMAIL',
          message: 'The code could not be delivered by email; no code was issued',
        });
        const { verifyOtp } = await execute(failing, VerifyOtpDocument, { username, code: '123456' });
        expect(expectType(verifyOtp, 'NoPendingCodeError').code).toBe('NO_PENDING_CODE');
      } finally {
        await failing.close();
      }
    });

    it('answers UserNotFoundError for an unknown user', async () => {
      expect(await generate(uniqueName())).toEqual({
        __typename: 'UserNotFoundError',
        code: 'USER_NOT_FOUND',
        message: 'User not found',
      });
    });

    it('answers TwoFactorDisabledError for a user who switched codes off', async () => {
      const username = await createUser(app, { otpEnabled: false });
      expect(expectType(await generate(username), 'TwoFactorDisabledError').code).toBe('TWO_FACTOR_DISABLED');
    });

    it('answers NoDeliveryDestinationError for a user without an address', async () => {
      const username = await createUser(app, { email: null });
      const error = expectType(await generate(username), 'NoDeliveryDestinationError');
      expect(error.code).toBe('NO_DELIVERY_DESTINATION');
      expect(error.message).toMatch(/email address/);
    });
  });

  describe('verifyOtp', () => {
    it('accepts the right code once, then answers CodeAlreadyUsedError', async () => {
      const username = await createUser(app);
      const code = await codeFor(username);
      const ok = expectType(await verify(username, code), 'VerifyOtpPayload');
      expect(ok).toMatchObject({ success: true, username, method: 'otp' });
      expect(new Date(ok.verifiedAt).getTime()).not.toBeNaN();

      expect(await verify(username, code)).toEqual({
        __typename: 'CodeAlreadyUsedError',
        code: 'CODE_ALREADY_USED',
        message: 'The code has already been used; request a new one',
      });
    });

    it('answers InvalidCodeError with the attempts left, and the code still works', async () => {
      const username = await createUser(app);
      const code = await codeFor(username);
      const first = expectType(await verify(username, wrongCode(code)), 'InvalidCodeError');
      expect(first).toMatchObject({ code: 'INVALID_CODE', attemptsLeft: 4 });
      expect(expectType(await verify(username, 'abc'), 'InvalidCodeError').attemptsLeft).toBe(3);
      expectType(await verify(username, code), 'VerifyOtpPayload');
    });

    it('answers NoPendingCodeError when no code was generated', async () => {
      const username = await createUser(app);
      expect(expectType(await verify(username, '123456'), 'NoPendingCodeError').code).toBe('NO_PENDING_CODE');
    });

    it('answers UserNotFoundError for an unknown user', async () => {
      expect(expectType(await verify(uniqueName(), '123456'), 'UserNotFoundError').code).toBe('USER_NOT_FOUND');
    });

    it('refuses a code that a newer one replaced', async () => {
      const username = await createUser(app);
      const old = await codeFor(username);
      const current = await codeFor(username);
      // Codes are random: the two may collide, and then the old one is the current one.
      if (old !== current) expectType(await verify(username, old), 'InvalidCodeError');
      expectType(await verify(username, current), 'VerifyOtpPayload');
    });
  });

  describe('logs', () => {
    it('lists a user’s codes newest first, filtered by state', async () => {
      const username = await createUser(app);
      await codeFor(username);
      const current = await codeFor(username);
      expectType(await verify(username, current), 'VerifyOtpPayload');

      const all = (await execute(app, LogsDocument, { username })).logs;
      expect(all.edges.map((edge) => edge.node.status)).toEqual(['USED', 'SUPERSEDED']);
      expect(all.edges.every((edge) => edge.node.user.username === username)).toBe(true);
      expect(all.pageInfo.hasNextPage).toBe(false);

      const used = (await execute(app, LogsDocument, { username, status: 'USED' })).logs.edges.map((edge) => edge.node);
      expect(used).toHaveLength(1);
      expect(used[0]).toMatchObject({
        channel: 'EMAIL',
        destination: 'a***@example.com',
        status: 'USED',
        verified: true,
        attempts: 1,
      });
      expect(used[0]?.usedAt).not.toBeNull();

      const superseded = (await execute(app, LogsDocument, { username, status: 'SUPERSEDED' })).logs.edges;
      expect(superseded.map((edge) => [edge.node.status, edge.node.verified, edge.node.usedAt])).toEqual([
        ['SUPERSEDED', false, null],
      ]);

      expect((await execute(app, LogsDocument, { username, status: 'ACTIVE' })).logs.edges).toEqual([]);
    });

    it('pages through logs with the same cursors as the user’s own connection', async () => {
      const username = await createUser(app);
      for (let i = 0; i < 3; i++) await codeFor(username);

      const page = (await execute(app, LogsDocument, { username, first: 2 })).logs;
      expect(page.edges.map((edge) => edge.node.status)).toEqual(['ACTIVE', 'SUPERSEDED']);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const rest = (await execute(app, LogsDocument, { username, first: 2, after: page.pageInfo.endCursor })).logs;
      expect(rest.edges.map((edge) => edge.node.status)).toEqual(['SUPERSEDED']);
      expect(rest.pageInfo.hasNextPage).toBe(false);

      const { user } = await execute(app, UserDocument, { username, logsFirst: 2 });
      expect(user?.logs.edges.map((edge) => edge.node.id)).toEqual(page.edges.map((edge) => edge.node.id));
      expect(user?.logs.pageInfo.hasNextPage).toBe(true);
    });

    it('resolves a log entry by its global id', async () => {
      const username = await createUser(app);
      await codeFor(username);
      const [edge] = (await execute(app, LogsDocument, { username })).logs.edges;
      if (!edge) throw new Error('expected one log entry');
      expect((await execute(app, NodeDocument, { id: edge.node.id })).node).toEqual({
        __typename: 'OtpLog',
        id: edge.node.id,
        status: 'ACTIVE',
        user: { username },
      });
    });
  });
});
