// Every language the service writes: complete (every key of English), each SMS one segment with
// the longest code, expiry and the context every locale promises room for, each call read in
// its own <Say language>, and a regional tag falling back through its language to English.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { fitsOneSmsSegment, gsm7Length, GSM7_SEGMENT_LENGTH, UCS2_SEGMENT_LENGTH } from '../src/delivery/gsm7.js';
import { catalogues, isAcceptedLocale, localeOf, locales } from '../src/delivery/locales/index.js';
import { renderNotice, type NoticeType } from '../src/delivery/notice-templates.js';
import { renderEmail, renderSms, renderVoiceTwiml, SMS_CONTEXT_ROOM } from '../src/delivery/templates.js';

const LONGEST_EXPIRY = 60;
const config = parseConfig({});
// every digit is one character in either encoding: the configured length is the longest code
const LONGEST_CODE = '9'.repeat(config.otp.length);
const noticeTypes: NoticeType[] = ['factor.added', 'factor.removed', 'recovery_code.used', 'recovery_codes.low', 'user.locked', 'user.suspended', 'device.remembered'];

/** Every key path of a catalogue, functions and strings as leaves. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keyPaths(inner, prefix ? `${prefix}.${key}` : key));
}

describe('the catalogues', () => {
  it('write English, German, French, Spanish, Portuguese and Italian', () => {
    expect(locales).toEqual(['en', 'de', 'fr', 'es', 'pt', 'it']);
  });

  it.each(locales)('%s has every key of English and nothing else, each a non-empty text', (locale) => {
    expect(keyPaths(catalogues[locale]).sort()).toEqual(keyPaths(catalogues.en).sort());
    for (const type of noticeTypes) {
      const notice = renderNotice(type, { username: 'alice', method: 'passkey', remaining: 2 }, new Date('2026-12-01T10:00:00Z'), locale);
      expect(notice.subject.length, `${locale} ${type}`).toBeGreaterThan(10);
      expect(notice.text).toContain('FountainAI');
      expect(notice.text).toContain('2026-12-01 10:00');
      expect(notice.sms).toContain(catalogues[locale].notice.smsNotYou);
    }
  });

  it.each(locales.filter((locale) => locale !== 'en'))('%s is written in its own words, not copied from English', (locale) => {
    const ours = catalogues[locale];
    expect(ours.email.subject).not.toBe(catalogues.en.email.subject);
    expect(ours.notice.signature).not.toBe(catalogues.en.notice.signature);
    expect(renderSms({ code: '123456', expiresInMinutes: 5, locale })).not.toBe(renderSms({ code: '123456', expiresInMinutes: 5, locale: 'en' }));
  });

  it.each(locales)('%s keeps the product name and the code untouched in every code message', (locale) => {
    const message = { code: '482913', expiresInMinutes: 5, locale };
    for (const text of [renderSms(message), renderEmail(message).text, renderEmail(message).subject]) expect(text).toContain('FountainAI');
    expect(renderSms(message)).toContain('482913');
    expect(renderEmail(message).text).toContain('482913');
    expect(renderVoiceTwiml(message)).toContain('4, 8, 2, 9, 1, 3.');
  });
});

describe('SMS: one segment in every locale', () => {
  it('the longest expiry and code length the configuration accepts are the ones rendered', () => {
    expect(parseConfig({ OTP_EXPIRATION_MINUTES: String(LONGEST_EXPIRY) }).otp.expirationMinutes).toBe(LONGEST_EXPIRY);
    expect(() => parseConfig({ OTP_EXPIRATION_MINUTES: String(LONGEST_EXPIRY + 1) })).toThrow(/OTP_EXPIRATION_MINUTES/);
    expect(LONGEST_CODE).toHaveLength(6);
  });

  it.each(locales)('the %s code SMS fits one segment for every expiry', (locale) => {
    for (let minutes = 1; minutes <= LONGEST_EXPIRY; minutes++) {
      const text = renderSms({ code: LONGEST_CODE, expiresInMinutes: minutes, locale });
      expect(fitsOneSmsSegment(text), text).toBe(true);
    }
  });

  it.each(locales)(`the %s SMS of a code bound to an action leaves ${SMS_CONTEXT_ROOM} GSM-7 characters for it, and stays GSM-7`, (locale) => {
    const context = 'x'.repeat(SMS_CONTEXT_ROOM);
    const text = renderSms({ code: LONGEST_CODE, expiresInMinutes: LONGEST_EXPIRY, locale, context });
    const septets = gsm7Length(text);
    expect(septets, `not GSM-7: ${text}`).toBeDefined();
    expect(septets, text).toBeLessThanOrEqual(GSM7_SEGMENT_LENGTH);
    expect(text).toContain(`"${context}"`);
  });

  it.each(locales)('the %s code SMS is worded in GSM-7, so it never drops to UCS-2 and its 70 characters', (locale) => {
    const text = renderSms({ code: LONGEST_CODE, expiresInMinutes: LONGEST_EXPIRY, locale });
    expect(gsm7Length(text), text).toBeDefined();
    expect(fitsOneSmsSegment(text.replace('9', 'ç')), 'the same text in UCS-2 would not fit').toBe(text.length <= UCS2_SEGMENT_LENGTH);
  });
});

describe('the one-segment check', () => {
  it('knows GSM 03.38 exactly: ç, ã, õ, á, í, ó, ú, ê, È are outside it; Ç, é, è, à, ì, ò, ù, ñ, ¿, ¡ inside', () => {
    for (const char of ['ç', 'ã', 'õ', 'á', 'í', 'ó', 'ú', 'ê', 'â', 'È', 'Á']) expect(gsm7Length(char), char).toBeUndefined();
    for (const char of ['Ç', 'é', 'É', 'è', 'à', 'ì', 'ò', 'ù', 'ñ', 'Ñ', '¿', '¡', 'ß']) expect(gsm7Length(char), char).toBe(1);
  });

  it('allows 160 GSM-7 septets, or 70 UCS-2 units once one character is outside GSM-7', () => {
    expect(fitsOneSmsSegment('a'.repeat(160))).toBe(true);
    expect(fitsOneSmsSegment('a'.repeat(161))).toBe(false);
    expect(fitsOneSmsSegment(`${'a'.repeat(159)}€`)).toBe(false);
    expect(fitsOneSmsSegment(`${'a'.repeat(69)}ç`)).toBe(true);
    expect(fitsOneSmsSegment(`${'a'.repeat(70)}ç`)).toBe(false);
    // an emoji is two UTF-16 units
    expect(fitsOneSmsSegment(`${'a'.repeat(68)}🔐`)).toBe(true);
    expect(fitsOneSmsSegment(`${'a'.repeat(69)}🔐`)).toBe(false);
  });
});

describe('voice', () => {
  const tags = { en: 'en-US', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', pt: 'pt-PT', it: 'it-IT' };

  it.each(locales)('reads the %s call with its language on every <Say>', (locale) => {
    const twiml = renderVoiceTwiml({ code: '482913', expiresInMinutes: 10, locale, context: 'Pay 42.00 EUR to ACME & Co' });
    const says = [...twiml.matchAll(/<Say language="([^"]+)">([^<]*)<\/Say>/g)];
    expect(says).toHaveLength(6);
    expect(new Set(says.map(([, language]) => language))).toEqual(new Set([tags[locale]]));
    expect(says.filter(([, , text]) => text === '4, 8, 2, 9, 1, 3.')).toHaveLength(2);
    expect(twiml).toContain('ACME &amp; Co');
    expect(twiml).toContain(catalogues[locale].minutes(10));
  });
});

describe('fallback', () => {
  it('goes from a region to its language, then to English', () => {
    expect(localeOf('pt-BR')).toBe('pt');
    expect(localeOf('fr-CA')).toBe('fr');
    expect(localeOf('es-419')).toBe('es');
    expect(localeOf('nl-BE')).toBe('en');
    expect(localeOf('')).toBe('en');
    expect(localeOf(undefined)).toBe('en');
    expect(renderSms({ code: '123456', expiresInMinutes: 5, locale: 'pt-BR' })).toBe(renderSms({ code: '123456', expiresInMinutes: 5, locale: 'pt' }));
    expect(renderEmail({ code: '123456', expiresInMinutes: 5, locale: 'it-CH' }).html).toContain('<html lang="it">');
  });

  it('accepts a language we write, optionally with a region, and nothing else', () => {
    for (const tag of ['en', 'de', 'fr', 'es', 'pt', 'it', 'pt-BR', 'fr-CA', 'es-419']) expect(isAcceptedLocale(tag), tag).toBe(true);
    for (const tag of ['nl', 'nl-NL', 'PT', 'pt-br', 'pt_BR', 'pt-BR-x', '', 'constructor', 'toString']) expect(isAcceptedLocale(tag), tag).toBe(false);
  });
});
