// The messages that carry a code, in every locale: each says who sends it, the code and how
// long it is valid, and every SMS fits one GSM-7 segment (160 characters). One character
// outside GSM-7 (a typographic quote, a long dash, an emoji) turns the whole text into
// UCS-2 with 70 characters a segment: the code would arrive in two or three billed parts.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { fitsOneGsm7Segment, GSM7_SEGMENT_LENGTH, gsm7Length } from '../src/delivery/gsm7.js';
import { locales, renderEmail, renderSms } from '../src/delivery/templates.js';

/** The longest validity the configuration accepts (OTP_EXPIRATION_MINUTES). */
const LONGEST_EXPIRY = 60;
const CODE = '123456';

describe('SMS templates', () => {
  it('renders the code, its validity and the sender in English and German', () => {
    expect(renderSms({ code: CODE, expiresInMinutes: 5, locale: 'en' })).toBe(
      'Your FountainAI verification code is 123456. It is valid for 5 minutes. Never share it with anyone.',
    );
    expect(renderSms({ code: CODE, expiresInMinutes: 5, locale: 'de' })).toBe(
      'Ihr FountainAI-Bestätigungscode lautet 123456. Er ist 5 Minuten gültig. Geben Sie ihn niemals weiter.',
    );
    expect(renderSms({ code: CODE, expiresInMinutes: 1, locale: 'en' })).toContain('valid for 1 minute.');
    expect(renderSms({ code: CODE, expiresInMinutes: 1, locale: 'de' })).toContain('Er ist 1 Minute gültig.');
  });

  it('the longest expiry the configuration accepts is the one rendered below', () => {
    expect(parseConfig({ OTP_EXPIRATION_MINUTES: String(LONGEST_EXPIRY) }).otp.expirationMinutes).toBe(LONGEST_EXPIRY);
    expect(() => parseConfig({ OTP_EXPIRATION_MINUTES: String(LONGEST_EXPIRY + 1) })).toThrow(/OTP_EXPIRATION_MINUTES/);
  });

  it.each(locales)('fits one GSM-7 segment in %s for every expiry up to the longest', (locale) => {
    for (let minutes = 1; minutes <= LONGEST_EXPIRY; minutes++) {
      const text = renderSms({ code: '999999', expiresInMinutes: minutes, locale });
      const septets = gsm7Length(text);
      expect(septets, `not GSM-7: ${text}`).toBeDefined();
      expect(septets, text).toBeLessThanOrEqual(GSM7_SEGMENT_LENGTH);
    }
    const longest = renderSms({ code: '999999', expiresInMinutes: LONGEST_EXPIRY, locale });
    expect(fitsOneGsm7Segment(longest), longest).toBe(true);
    expect(longest).toContain('999999');
    expect(longest).toContain('FountainAI');
    expect(longest).toContain(String(LONGEST_EXPIRY));
  });

  it('falls back to English for a locale it does not write', () => {
    expect(renderSms({ code: CODE, expiresInMinutes: 5, locale: 'nl' })).toBe(renderSms({ code: CODE, expiresInMinutes: 5, locale: 'en' }));
  });
});

describe('the GSM-7 counter the SMS test relies on', () => {
  it('counts the default alphabet as one, the extension table as two, and refuses the rest', () => {
    expect(gsm7Length('Grüße aus Köln, 5 Minuten gültig')).toBe(32);
    expect(gsm7Length('€[]')).toBe(6);
    expect(gsm7Length('it’s')).toBeUndefined();
    expect(gsm7Length('code — 123456')).toBeUndefined();
    expect(gsm7Length('🔐 123456')).toBeUndefined();
    expect(fitsOneGsm7Segment('a'.repeat(160))).toBe(true);
    expect(fitsOneGsm7Segment('a'.repeat(161))).toBe(false);
    expect(fitsOneGsm7Segment(`${'a'.repeat(159)}€`)).toBe(false);
  });
});

describe('email templates', () => {
  it('renders English: subject, text and HTML with the code, validity and sender', () => {
    const email = renderEmail({ code: CODE, expiresInMinutes: 5, locale: 'en' });
    expect(email.subject).toBe('Your FountainAI verification code');
    expect(email.text).toBe(
      [
        'Your FountainAI verification code is 123456.',
        '',
        'It is valid for 5 minutes and can be used once.',
        'If you did not ask for this code, you can ignore this email; nobody can sign in without it.',
        '',
        '— FountainAI',
      ].join('\n'),
    );
    expect(email.html).toContain('<html lang="en">');
    expect(email.html).toContain('>123456</p>');
  });

  it('renders German', () => {
    const email = renderEmail({ code: CODE, expiresInMinutes: 1, locale: 'de' });
    expect(email.subject).toBe('Ihr FountainAI-Bestätigungscode');
    expect(email.text).toBe(
      [
        'Ihr FountainAI-Bestätigungscode lautet 123456.',
        '',
        'Er ist 1 Minute gültig und kann einmal verwendet werden.',
        'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren; ohne den Code kann sich niemand anmelden.',
        '',
        '— FountainAI',
      ].join('\n'),
    );
    expect(email.html).toContain('<html lang="de">');
    expect(email.html).toContain('Er ist 1 Minute gültig');
  });

  it('escapes what it puts into HTML', () => {
    expect(renderEmail({ code: '<b>&', expiresInMinutes: 5, locale: 'en' }).html).toContain('&lt;b&gt;&amp;');
  });
});

describe('a code bound to an action (context)', () => {
  const context = 'Pay 42.00 EUR to ACME GmbH';

  it.each(locales)('shows the action in the %s SMS and email, and the SMS still fits one segment', (locale) => {
    const sms = renderSms({ code: '999999', expiresInMinutes: LONGEST_EXPIRY, locale, context });
    expect(sms).toContain(`"${context}"`);
    expect(sms).toContain('999999');
    expect(fitsOneGsm7Segment(sms), sms).toBe(true);
    const email = renderEmail({ code: '999999', expiresInMinutes: 5, locale, context });
    expect(email.text).toContain(context);
    expect(email.html).toContain(context);
  });

  it('escapes the action in the HTML email', () => {
    const email = renderEmail({ code: CODE, expiresInMinutes: 5, locale: 'en', context: 'Pay <b>1</b> & "more"' });
    expect(email.html).toContain('Pay &lt;b&gt;1&lt;/b&gt; &amp; &quot;more&quot;');
    expect(email.html).not.toContain('<b>1</b>');
  });

  it('leaves room for about 85 GSM-7 characters of context in English and 75 in German', () => {
    const fits = (locale: string, length: number) =>
      fitsOneGsm7Segment(renderSms({ code: '999999', expiresInMinutes: LONGEST_EXPIRY, locale, context: 'x'.repeat(length) }));
    expect(fits('en', 85)).toBe(true);
    expect(fits('de', 75)).toBe(true);
    expect(fits('en', 100)).toBe(false);
    expect(fits('de', 100)).toBe(false);
  });
});
