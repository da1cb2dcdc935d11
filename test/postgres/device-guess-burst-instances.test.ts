// Attack: guessing a remembered device's token in a burst spread over instances. A device token
// skips the second factor, so a wrong one must cost what a wrong code costs: it is judged through
// the same guess budget (one conditional write on the user's row, taken before the token is
// looked up), so two service processes on one PostgreSQL database judge exactly
// LOCKOUT_THRESHOLD of 300 concurrent wrong tokens between them, and refuse the right token while
// the user is locked. (One instance, both databases: remembered-devices.test.ts.)
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { VerifyDeviceDocument } from '../generated/graphql.js';
import { openTestDatabase } from '../support/db.js';
import { budgetOf, burst } from '../support/guess-burst.js';
import { call, remoteCreateUser, remoteGraphql, remoteRequestCode } from '../support/remote.js';
import { burstEnv, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

const THRESHOLD = 10;
const BURST = 300;

describe('two service processes on one PostgreSQL database, under a burst of wrong device tokens', () => {
  const processes: ServiceProcess[] = [];
  let database: Database;
  const instance = (i: number) => {
    const chosen = processes[i % processes.length];
    if (!chosen) throw new Error('no service process');
    return chosen.url;
  };

  beforeAll(async () => {
    await startServiceProcesses({ env: burstEnv({ attempts: 20, threshold: THRESHOLD }) }, processes);
    database = await openTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.close();
  });

  const verifyDevice = (url: string, username: string, token: string) =>
    call<{ token?: string; detail?: string }>(url, '/auth/verify-device', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, device_token: token }),
    });

  /** Round-robin over the two processes, alternating REST and GraphQL. */
  const verifySpread = (username: string) => async (token: string, i: number) => {
    if (i % 4 < 2) return (await verifyDevice(instance(i), username, token)).status;
    const answer = await remoteGraphql(instance(i), print(VerifyDeviceDocument), { username, deviceToken: token });
    const typename = answer.body.data?.verifyDevice?.__typename;
    return typename === 'VerifyOtpPayload' ? 200 : typename === 'UserLockedError' ? 429 : 400;
  };

  it(`${BURST} concurrent wrong device tokens over both: exactly ${THRESHOLD} judged, the right token refused while locked`, async () => {
    const url = instance(0);
    const username = await remoteCreateUser(url);
    const code = await remoteRequestCode(url, username);
    const remembered = await call<{ device_token?: string }>(url, '/auth/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, otp_code: code, remember_device: true }),
    });
    expect(remembered.status, remembered.text).toBe(200);
    const right = remembered.body.device_token ?? '';
    expect(right).toMatch(/^fdt_/);
    // Well-formed tokens, so that every one is looked up: 256 random bits never hit the right one.
    const guesses = Array.from({ length: BURST }, () => `fdt_${randomBytes(32).toString('base64url')}`);

    const outcome = await burst(database, username, guesses, verifySpread(username));

    expect(outcome.judgedFailures).toBe(THRESHOLD);
    expect(outcome.refusedLocked).toBe(BURST - THRESHOLD);
    // the one success is the verify that remembered the device
    expect(outcome.successes).toBe(1);
    expect(outcome.statuses.filter((status) => status === 429)).toHaveLength(BURST - THRESHOLD + 1);
    for (const target of [instance(0), instance(1)]) {
      const after = await verifyDevice(target, username, right);
      expect(after.status, after.text).toBe(429);
    }
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: THRESHOLD, consecutiveFailures: THRESHOLD });
  });
});
