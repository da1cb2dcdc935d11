// SMS pumping (toll fraud, artificially inflated traffic): an attacker makes the service send
// SMS, paid by the service, to numbers whose carrier shares the termination fee with them:
// premium-rate and shared-cost ranges, short codes, non-geographic and satellite numbers,
// or ordinary-looking numbers in a country the service has no users in, requested in bursts
// through any endpoint that sends a code. The legacy service sent to anything, for anyone.
//
// The defence here (src/throttle/sms-guard.ts) runs at every SMS send, before a code exists
// and before the user's send slot is taken: numbers are checked at send time, not only when
// a user is created, because the rule must hold for every row whatever its origin (the
// legacy users table took any text; the allow-list changes after users exist), and a
// refusal at send is what lands in the audit trail with the caller and IP. User creation
// only refuses what is not a phone number at all.
//
// Each rule is exercised against a real HTTP server standing in for Twilio, which shows that
// a refused request never reaches the provider; each refusal is read back from audit_events.
// The budgets count every SMS of the last hour in the database, so each block runs in an
// hour of its own (isolatedSmsClock), away from the SMS other test files send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, uniqueName, type ManualClock, type TestApp } from './support/app.js';
import { openTestDatabase, storedOtpLogs } from './support/db.js';
import { createUser, postGenerate, requestCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from './support/twilio.js';
import { CreateUserDocument, GenerateOtpDocument, UpdateUserDocument } from './generated/graphql.js';

const SENDER = '+15005550006';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Mobile numbers of a few countries, each fresh. */
const mobile = {
  DE: () => uniqueMobile('+49151', 8),
  AT: () => uniqueMobile('+43664', 7),
  CH: () => uniqueMobile('+4178', 7),
};

interface AuditRow {
  event: string;
  outcome: string;
  reason: string | null;
}

function auditOf(database: Database, username: string): Promise<AuditRow[]> {
  return database.db.$queryRaw<AuditRow[]>`
    SELECT event, outcome, reason FROM audit_events WHERE username = ${username} AND event <> 'USER_CREATE' ORDER BY id`;
}

async function createSmsUser(app: TestApp, phoneNumber: string): Promise<string> {
  return createUser(app, { email: null, phoneNumber, deliveryMethod: 'SMS' });
}

/** One block's world: a Twilio stand-in, an app in an hour of its own, a look at the database. */
function useSmsWorld(env: Record<string, string>) {
  const world = {} as { twilio: TestTwilioServer; app: TestApp; clock: ManualClock; database: Database };
  beforeAll(async () => {
    world.twilio = await startTwilioServer();
    world.clock = isolatedSmsClock();
    world.app = await createTestApp({ ...twilioEnv(world.twilio, { TWILIO_PHONE_NUMBER: SENDER }), ...env }, { clock: world.clock });
    world.database = await openTestDatabase();
  });
  afterAll(async () => {
    await world.app.close();
    await world.twilio.close();
    await world.database.close();
  });
  return world;
}

describe('destinations: countries, premium-rate, non-geographic and short numbers', () => {
  const world = useSmsWorld({ SMS_ALLOWED_COUNTRIES: 'DE,AT' });

  /** Asks for a code, expects the refusal, and checks nothing was sent, stored or left unaudited. */
  async function expectRefused(username: string, phoneNumber: string, detail: string, reason = 'SMS_REFUSED') {
    const response = await postGenerate(world.app, username);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toEqual({ detail });
    expect(world.twilio.requests.filter((sms) => sms.to === phoneNumber)).toEqual([]);
    expect(await storedOtpLogs(world.database, username)).toEqual([]);
    expect(await auditOf(world.database, username)).toEqual([{ event: 'OTP_GENERATE', outcome: 'REFUSED', reason }]);
  }

  it('sends to an allowed country', async () => {
    const phoneNumber = mobile.AT();
    const username = await createSmsUser(world.app, phoneNumber);
    await requestCode(world.app, username);
    expect(world.twilio.requests.filter((sms) => sms.to === phoneNumber)).toHaveLength(1);
    expect((await storedOtpLogs(world.database, username))[0]?.country).toBe('AT');
  });

  it('refuses a country not in SMS_ALLOWED_COUNTRIES (REST 400, GraphQL SmsRefusedError COUNTRY_NOT_ALLOWED)', async () => {
    const phoneNumber = mobile.CH();
    const username = await createSmsUser(world.app, phoneNumber);
    await expectRefused(username, phoneNumber, 'Codes are not sent by SMS to numbers in CH');

    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username });
    expect(generateOtp).toEqual({
      __typename: 'SmsRefusedError',
      code: 'SMS_REFUSED',
      reason: 'COUNTRY_NOT_ALLOWED',
      message: 'Codes are not sent by SMS to numbers in CH',
    });
  });

  it.each([
    ['premium-rate', '+499001234567'],
    ['shared-cost', '+4918051234567'],
  ])('refuses a %s number (a valid number, so it can be created; refused at send)', async (_kind, phoneNumber) => {
    const username = await createSmsUser(world.app, phoneNumber);
    await expectRefused(username, phoneNumber, 'Codes are not sent by SMS to premium-rate or shared-cost numbers');
    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username });
    expect(expectType(generateOtp, 'SmsRefusedError').reason).toBe('PREMIUM_OR_SHORT_NUMBER');
  });

  it.each([
    ['international premium rate (+979)', '+979123456789', 'Codes are not sent by SMS to premium-rate or shared-cost numbers'],
    ['satellite (+881)', '+881612345678', 'Codes are not sent by SMS to non-geographic numbers'],
    ['international network (+883)', '+883510012345', 'Codes are not sent by SMS to non-geographic numbers'],
  ])('refuses a non-geographic number: %s', async (_kind, phoneNumber, detail) => {
    const username = await createSmsUser(world.app, phoneNumber);
    await expectRefused(username, phoneNumber, detail);
  });

  it('refuses a short code stored before numbers were validated (a legacy row)', async () => {
    const username = uniqueName('legacy');
    // written past the service, as the legacy service's users table holds it
    await world.database.db.user.create({ data: { username, phoneNumber: '+4911833', deliveryMethod: 'SMS' } });
    await expectRefused(username, '+4911833', 'Codes are not sent by SMS to short numbers');
    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username });
    expect(expectType(generateOtp, 'SmsRefusedError').reason).toBe('PREMIUM_OR_SHORT_NUMBER');
  });

  it('refuses a legacy row that is no international number at all: InvalidPhoneNumberError', async () => {
    const username = uniqueName('legacy');
    await world.database.db.user.create({ data: { username, phoneNumber: '0151 1234567', deliveryMethod: 'SMS' } });
    await expectRefused(username, '0151 1234567', 'The phone number is not a valid international number', 'INVALID_PHONE_NUMBER');
    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username });
    expect(expectType(generateOtp, 'InvalidPhoneNumberError').code).toBe('INVALID_PHONE_NUMBER');
  });

  it('does not create users with numbers that cannot exist', async () => {
    for (const phoneNumber of ['+4915', '+49 151 1234', '+1 555 0100', '+999 1234567']) {
      const { createUser: created } = await execute(world.app, CreateUserDocument, { input: { username: uniqueName(), phoneNumber } });
      expect(expectType(created, 'ValidationFailedError').issues, phoneNumber).toEqual([
        { path: ['phoneNumber'], message: 'must be a valid phone number in international form, such as +4915112345678' },
      ]);
    }
  });

  it('a refusal costs the user nothing: fixed number, code sent at once (the send slot was not taken)', async () => {
    const username = await createSmsUser(world.app, '+499001234567');
    expect((await postGenerate(world.app, username)).statusCode).toBe(400);
    const phoneNumber = mobile.DE();
    const { updateUser } = await execute(world.app, UpdateUserDocument, { input: { username, phoneNumber } });
    expectType(updateUser, 'User');
    await requestCode(world.app, username);
    expect(world.twilio.requests.filter((sms) => sms.to === phoneNumber)).toHaveLength(1);
  });
});

describe('the global SMS budget per hour (SMS_MAX_PER_HOUR=3)', () => {
  const world = useSmsWorld({ SMS_MAX_PER_HOUR: '3' });

  it('sends three SMS in an hour, then answers 429 with Retry-After until the oldest leaves the hour', async () => {
    const numbers = [mobile.DE(), mobile.AT(), mobile.CH(), mobile.DE()];
    const users = await Promise.all(numbers.map((phoneNumber) => createSmsUser(world.app, phoneNumber)));
    for (const username of users.slice(0, 3)) {
      await requestCode(world.app, username);
      world.clock.advance(MINUTE);
    }
    const fourth = users[3] ?? '';
    const refused = await postGenerate(world.app, fourth);
    expect(refused.statusCode, refused.body).toBe(429);
    // the first SMS went out 3 minutes ago: it leaves the hour in 57 minutes
    expect(refused.headers['retry-after']).toBe(String(57 * 60));
    expect(refused.json()).toEqual({ detail: "The service's hourly SMS budget is used up; try again in 57 min" });

    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username: fourth });
    expect(generateOtp).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED', retryAfter: 57 * 60 });
    expect(world.twilio.requests).toHaveLength(3);
    expect(await auditOf(world.database, fourth)).toEqual([
      { event: 'THROTTLE', outcome: 'REFUSED', reason: 'RATE_LIMITED' },
      { event: 'THROTTLE', outcome: 'REFUSED', reason: 'RATE_LIMITED' },
    ]);

    world.clock.advance(57 * MINUTE);
    await requestCode(world.app, fourth);
    expect(world.twilio.requests.map((sms) => sms.to)).toEqual(numbers);
  });

  it('email is not in the SMS budget', async () => {
    world.clock.advance(3 * 24 * HOUR);
    for (let i = 0; i < 3; i++) await requestCode(world.app, await createSmsUser(world.app, mobile.DE()));
    expect((await postGenerate(world.app, await createSmsUser(world.app, mobile.DE()))).statusCode).toBe(429);
    await requestCode(world.app, await createUser(world.app));
  });
});

describe('prefix velocity (SMS_PREFIX_MAX_SHARE=0.5 once SMS_PREFIX_MIN_SENDS=4 SMS went out in the hour)', () => {
  const world = useSmsWorld({ SMS_PREFIX_MAX_SHARE: '0.5', SMS_PREFIX_MIN_SENDS: '4', OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100' });

  /** Asks for a code for `username` and answers with the status. */
  const send = async (username: string) => (await postGenerate(world.app, username)).statusCode;

  it('a sudden burst to one country is stopped once it takes more than half of the hour', async () => {
    world.clock.advance(3 * 24 * HOUR);
    const de = await createSmsUser(world.app, mobile.DE());
    const at = await createSmsUser(world.app, mobile.AT());
    const chNumber = mobile.CH();
    const ch = await createSmsUser(world.app, chNumber);
    // the usual traffic: two to Germany, two to Austria
    for (const username of [de, de, at, at]) expect(await send(username)).toBe(200);

    // the attack: codes to Swiss numbers, one after another; the 5th would be 5 of 9
    for (let i = 1; i <= 4; i++) expect(await send(ch), `CH send ${i}`).toBe(200);
    const refused = await postGenerate(world.app, ch);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Too many codes are going to numbers in CH right now; SMS there is paused' });
    const { generateOtp } = await execute(world.app, GenerateOtpDocument, { username: ch });
    expect(expectType(generateOtp, 'SmsRefusedError').reason).toBe('PREFIX_VELOCITY');
    expect(world.twilio.requests.filter((sms) => sms.to === chNumber)).toHaveLength(4);
    expect((await auditOf(world.database, ch)).slice(-2)).toEqual([
      { event: 'OTP_GENERATE', outcome: 'REFUSED', reason: 'SMS_REFUSED' },
      { event: 'OTP_GENERATE', outcome: 'REFUSED', reason: 'SMS_REFUSED' },
    ]);

    // other countries are not held up by it
    expect(await send(de)).toBe(200);
    // and once the burst has left the hour, Switzerland is served again
    world.clock.advance(HOUR + MINUTE);
    expect(await send(ch)).toBe(200);
  });

  it('a country that usually takes most SMS is no surge: a German service keeps sending to Germany', async () => {
    world.clock.advance(3 * 24 * HOUR);
    const de = await createSmsUser(world.app, mobile.DE());
    // yesterday: four SMS, all to Germany
    for (let i = 0; i < 4; i++) expect(await send(de)).toBe(200);
    world.clock.advance(20 * HOUR);
    // today Germany takes every SMS of the hour, as it always does
    for (let i = 1; i <= 8; i++) expect(await send(de), `DE send ${i}`).toBe(200);
  });

  it('without a usual pattern to go by, the share alone decides', async () => {
    world.clock.advance(3 * 24 * HOUR);
    const de = await createSmsUser(world.app, mobile.DE());
    for (let i = 1; i <= 4; i++) expect(await send(de), `DE send ${i}`).toBe(200);
    expect(await send(de)).toBe(400);
  });
});
