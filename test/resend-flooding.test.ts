// Attack: resend flooding. A caller (or a script behind a signup form) asks for code after
// code for one user: each send costs money (SMS pumping bills the sender) and floods the
// person. Per user, at most one send per OTP_RESEND_INTERVAL_SECONDS (30) and
// OTP_MAX_SENDS_PER_HOUR (5); the counters live in the database, so every instance agrees.
import { describe, expect, it } from 'vitest';
import { ManualClock, createTestApp, useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, postGenerate, requestCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';

const SECOND = 1000;

describe('per-user send throttles', () => {
  const clock = new ManualClock(new Date('2032-01-01T10:00:00Z'));
  const app = useTestApp({}, { clock });

  it('refuses a second send within 30 s with 429, Retry-After and a detail; sends again after', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    clock.advance(10 * SECOND);
    const refused = await postGenerate(app, username);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('20');
    expect(refused.json<{ detail: string }>().detail).toMatch(/wait 20 s/);
    clock.advance(20 * SECOND);
    await requestCode(app, username);
  });

  it('answers a typed RateLimitedError with retryAfter over GraphQL', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    const { body } = await executeRaw(
      app,
      'mutation($u: String!) { generateOtp(username: $u) { __typename ... on RateLimitedError { code retryAfter } } }',
      { u: username },
    );
    expect(body.data).toEqual({ generateOtp: { __typename: 'RateLimitedError', code: 'RATE_LIMITED', retryAfter: 30 } });
  });

  it('allows five sends an hour, then refuses until the oldest is an hour old', async () => {
    const username = await createUser(app);
    for (let i = 0; i < 5; i++) {
      await requestCode(app, username);
      clock.advance(31 * SECOND);
    }
    const refused = await postGenerate(app, username);
    expect(refused.statusCode).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBe(3600 - 5 * 31);
    clock.advance(wait * SECOND);
    await requestCode(app, username);
  });

  it('leaves no code and sends nothing for a refused request, and audits the refusal', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    for (let i = 0; i < 3; i++) expect((await postGenerate(app, username)).statusCode).toBe(429);
    const database = await openTestDatabase();
    try {
      const codes = await database.db.otpLog.count({ where: { user: { username } } });
      const events = await database.db.auditEvent.findMany({ where: { username }, select: { event: true, outcome: true, reason: true } });
      expect(codes).toBe(1);
      expect(events.filter((e) => e.event === 'THROTTLE')).toEqual(
        Array.from({ length: 3 }, () => ({ event: 'THROTTLE', outcome: 'REFUSED', reason: 'RATE_LIMITED' })),
      );
    } finally {
      await database.close();
    }
  });

  it('lets exactly one of many concurrent requests through, across two instances', async () => {
    const other = await createTestApp({}, { clock });
    try {
      const username = await createUser(app);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => postGenerate(i % 2 === 0 ? app : other, username)),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 429)).toHaveLength(11);
    } finally {
      await other.close();
    }
  });
});
