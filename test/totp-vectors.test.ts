// Attack: a subtly wrong one-time-password algorithm. Codes that differ from RFC 4226/6238
// (a wrong truncation, counter encoding or time step, a 32-bit counter that breaks after
// 2038) would lock out every authenticator app, or could accept codes no app shows. The
// published test vectors must come out of the project's own HOTP/TOTP functions.
import { describe, expect, it } from 'vitest';
import { hotp, matchStep, newTotpSecret, stepAt, totpAt } from '../src/totp/totp.js';

/** The RFCs' shared secret: the ASCII bytes of "12345678901234567890" (20 bytes, for SHA-1). */
const rfcSecretBytes = new TextEncoder().encode('12345678901234567890');
/** The same secret in base32, as an authenticator app would hold it. */
const rfcSecretBase32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

// RFC 4226, Appendix D: HOTP values for counters 0 to 9.
const hotpVectors = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

// RFC 6238, Appendix B, the SHA-1 rows: time (s), T (the step, in hex there), 8-digit TOTP.
const totpVectors = [
  { time: 59, step: 0x1, code: '94287082' },
  { time: 1111111109, step: 0x23523ec, code: '07081804' },
  { time: 1111111111, step: 0x23523ed, code: '14050471' },
  { time: 1234567890, step: 0x273ef07, code: '89005924' },
  { time: 2000000000, step: 0x3f940aa, code: '69279037' },
  { time: 20000000000, step: 0x27bc86aa, code: '65353130' },
];

const eightDigits = { digits: 8, periodSeconds: 30 };

describe('RFC 4226 Appendix D (HOTP)', () => {
  it.each(hotpVectors.map((code, counter) => ({ counter, code })))('counter $counter gives $code', ({ counter, code }) => {
    expect(hotp(rfcSecretBytes, counter)).toBe(code);
    expect(hotp(rfcSecretBase32, counter)).toBe(code);
  });
});

describe('RFC 6238 Appendix B (TOTP, SHA-1)', () => {
  it.each(totpVectors)('at $time s: step $step, code $code', ({ time, step, code }) => {
    expect(stepAt(time)).toBe(step);
    expect(totpAt(rfcSecretBytes, time, eightDigits)).toBe(code);
    expect(totpAt(rfcSecretBase32, time, eightDigits)).toBe(code);
    // A TOTP value is the HOTP value of the step, and 6 digits are the last 6 of the 8.
    expect(hotp(rfcSecretBytes, step, 8)).toBe(code);
    expect(totpAt(rfcSecretBase32, time)).toBe(code.slice(2));
  });

  it.each(totpVectors)('matches $code at $time s to step $step, and within ±1 step only', ({ time, step, code }) => {
    expect(matchStep(rfcSecretBase32, code, time, 0, eightDigits)).toBe(step);
    // The phone's clock may be a step ahead of or behind the server's.
    expect(matchStep(rfcSecretBase32, code, time + 30, 1, eightDigits)).toBe(step);
    expect(matchStep(rfcSecretBase32, code, time - 30, 1, eightDigits)).toBe(step);
    // Two steps away is outside a window of one.
    expect(matchStep(rfcSecretBase32, code, time + 60, 1, eightDigits)).toBeNull();
    expect(matchStep(rfcSecretBase32, code.slice(2), time, 1)).toBe(step);
  });

  it('refuses what is not a code of the configured length before any hashing', () => {
    expect(matchStep(rfcSecretBase32, '9428708', 59, 1, eightDigits)).toBeNull();
    expect(matchStep(rfcSecretBase32, '287082 ', 59, 1)).toBeNull();
    expect(matchStep(rfcSecretBase32, 'abcdef', 59, 1)).toBeNull();
    expect(matchStep(rfcSecretBase32, '', 59, 1)).toBeNull();
  });
});

describe('new secrets', () => {
  it('are 160 random bits in base32, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newTotpSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });
});
