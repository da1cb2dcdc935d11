// Attack: reusing a recovery code. A recovery code bypasses the user's phone, so one that
// leaked (a screenshot, a printout, a phishing page) must work once at most: a used code is
// refused, two concurrent requests with one code give one success, a new set voids every
// earlier code, and one user's code never works for another. (Service level: the
// orchestrator calls `recovery.consume`.)
import { describe, expect, it } from 'vitest';
import { systemContext } from '../src/auth/caller.js';
import { looksLikeRecoveryCode } from '../src/recovery/recovery.service.js';
import { ManualClock, useTestApp } from './support/app.js';
import { createUser } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { racingLinks, testEncryptionKey, useRacingSecurityServices, useSecurityServices } from './support/totp.js';
import { GenerateRecoveryCodesDocument } from './generated/graphql.js';

const RACERS = 20;
const COUNT = 10;

describe('recovery-code reuse', () => {
  const clock = new ManualClock();
  const encryption = testEncryptionKey();
  const app = useTestApp({}, { clock });
  const security = useSecurityServices(clock, [encryption.key]);

  async function generate(username: string): Promise<string[]> {
    const { generateRecoveryCodes } = await execute(app, GenerateRecoveryCodesDocument, { username });
    return expectType(generateRecoveryCodes, 'RecoveryCodes').codes;
  }

  async function userId(username: string): Promise<number> {
    return (await security.database.db.user.findUniqueOrThrow({ where: { username }, select: { id: true } })).id;
  }

  it('hands out 10 distinct codes that cannot be mistaken for 6-digit ones', async () => {
    const codes = await generate(await createUser(app));
    expect(codes).toHaveLength(COUNT);
    expect(new Set(codes).size).toBe(COUNT);
    for (const code of codes) {
      // Crockford base32: 10 symbols of 5 bits (50 bits), no I, L, O or U.
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
      expect(looksLikeRecoveryCode(code)).toBe(true);
    }
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(looksLikeRecoveryCode('12345678')).toBe(false);
  });

  it('accepts a code once; a second use is refused', async () => {
    const username = await createUser(app);
    const [code = '', other = ''] = await generate(username);
    const id = await userId(username);
    expect(await security.services.recovery.consume(id, code, clock.now())).toBe('OK');
    expect(await security.services.recovery.consume(id, code, clock.now())).toBe('ALREADY_USED');
    expect(await security.services.recovery.remaining(id)).toBe(COUNT - 1);
    expect(await security.services.recovery.consume(id, other, clock.now())).toBe('OK');
    expect(await security.services.recovery.remaining(id)).toBe(COUNT - 2);
  });

  it('reads a code as typed (any case, no hyphen, O for 0, I or L for 1), and still only once', async () => {
    const username = await createUser(app);
    const [code = ''] = await generate(username);
    const id = await userId(username);
    const typed = code.toUpperCase().replace('-', ' ').replace(/0/g, 'O').replace(/1/g, 'l');
    expect(looksLikeRecoveryCode(typed)).toBe(true);
    expect(await security.services.recovery.consume(id, typed, clock.now())).toBe('OK');
    expect(await security.services.recovery.consume(id, code, clock.now())).toBe('ALREADY_USED');
    expect(await security.services.recovery.consume(id, code.replace('-', ''), clock.now())).toBe('ALREADY_USED');
  });

  it('refuses a code of another user, and anything that is not a code', async () => {
    const alice = await createUser(app);
    const bob = await createUser(app);
    const [aliceCode = ''] = await generate(alice);
    await generate(bob);
    expect(await security.services.recovery.consume(await userId(bob), aliceCode, clock.now())).toBe('INVALID');
    for (const junk of ['', '123456', 'not-a-code', 'uuuuu-uuuuu', `${aliceCode}x`]) {
      expect(await security.services.recovery.consume(await userId(alice), junk, clock.now())).toBe('INVALID');
    }
    expect(await security.services.recovery.consume(await userId(alice), aliceCode, clock.now())).toBe('OK');
  });

  it('a new set replaces the earlier one whole: old codes, used or not, stop working', async () => {
    const username = await createUser(app);
    const id = await userId(username);
    const first = await generate(username);
    expect(await security.services.recovery.consume(id, first[0] ?? '', clock.now())).toBe('OK');
    const second = await generate(username);
    expect(second.some((code) => first.includes(code))).toBe(false);
    expect(await security.services.recovery.remaining(id)).toBe(COUNT);
    for (const old of first) expect(await security.services.recovery.consume(id, old, clock.now())).toBe('INVALID');
    expect(await security.services.recovery.consume(id, second[0] ?? '', clock.now())).toBe('OK');
    expect(await security.database.db.recoveryCode.count({ where: { userId: id } })).toBe(COUNT);
  });

  describe.each(racingLinks)('racing one code on $link, over two connections', ({ delayMs }) => {
    const racer = useRacingSecurityServices(delayMs, clock, [encryption.key], () => security.services);

    it('sets generated at once: one whole set survives, never two', async () => {
      // better-sqlite3 blocks the event loop while it waits for a lock, so two connections
      // of one process cannot hold SQLite transactions side by side (separate processes,
      // as instances are, can): on SQLite the race runs on one connection.
      const generator = (i: number) => (security.database.provider === 'postgres' ? racer(i) : security.services);
      for (let round = 0; round < 3; round++) {
        const username = await createUser(app);
        const id = await userId(username);
        const sets = await Promise.all(
          Array.from({ length: 6 }, async (_, i) => {
            const generated = await generator(i).recovery.generate(username, systemContext('test'));
            return generated.codes;
          }),
        );
        expect(await security.database.db.recoveryCode.count({ where: { userId: id } })).toBe(COUNT);
        const working = [];
        for (const set of sets) working.push(await security.services.recovery.consume(id, set[0] ?? '', clock.now()));
        expect(working.filter((result) => result === 'OK')).toHaveLength(1);
      }
    });

    it(`${RACERS} concurrent uses of one code: exactly one succeeds`, async () => {
      for (let round = 0; round < 3; round++) {
        const username = await createUser(app);
        const [code = ''] = await generate(username);
        const id = await userId(username);
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, i) => racer(i).recovery.consume(id, code, clock.now())),
        );
        expect(results.filter((result) => result === 'OK')).toHaveLength(1);
        expect(await security.services.recovery.remaining(id)).toBe(COUNT - 1);
      }
    });
  });
});
