import type { CodeMessage } from '../vocabulary/channel.js';
import { SENDER_NAME } from './locales/catalogue.js';
import { catalogues, localeOf } from './locales/index.js';

export { SENDER_NAME };
export { defaultLocale, localeOf, locales, type Locale } from './locales/index.js';

/**
 * The fewest characters of action context every locale's SMS leaves room for (GSM-7, with the
 * longest code and expiry); a longer context may still fit, and the generate refuses one that does not.
 */
export const SMS_CONTEXT_ROOM = 70;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The email that carries a code: who sends it, the code, what it approves (if bound to an action), and how long it is valid. */
export function renderEmail(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale' | 'context'>): RenderedEmail {
  const locale = localeOf(message.locale);
  const { email, minutes } = catalogues[locale];
  const validity = minutes(message.expiresInMinutes);
  const { context } = message;
  const approves = context === undefined ? [] : [email.contextLine(context), email.contextWarning, ''];
  const text = [email.codeLine(message.code), '', ...approves, email.validity(validity), email.ignore, '', `— ${SENDER_NAME}`].join('\n');
  const approvesHtml =
    context === undefined ? '' : `<p><strong>${escapeHtml(email.contextLine(context))}</strong><br>${escapeHtml(email.contextWarning)}</p>\n`;
  const html = `<!doctype html>
<html lang="${locale}"><body style="font-family: sans-serif">
<p>${escapeHtml(email.codeLead)}</p>
<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">${escapeHtml(message.code)}</p>
${approvesHtml}<p>${escapeHtml(email.validity(validity))}</p>
<p>${escapeHtml(email.ignore)}</p>
<p>— ${escapeHtml(SENDER_NAME)}</p>
</body></html>`;
  return { subject: email.subject, text, html };
}

/**
 * The text message that carries a code: one segment in every locale (test/locales.test.ts). With
 * a context it may not be: the generate refuses such a context (CONTEXT_TOO_LONG_FOR_SMS) before sending.
 */
export function renderSms(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale' | 'context'>): string {
  const { sms, smsWithContext, minutes } = catalogues[localeOf(message.locale)];
  const validity = minutes(message.expiresInMinutes);
  return message.context === undefined ? sms(message.code, validity) : smsWithContext(message.code, validity, message.context);
}

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/**
 * The TwiML of a call that reads a code: in the user's language (`<Say language>`), the digits
 * one by one with a pause between them (a text-to-speech voice reads "482913" as a number),
 * twice, then what it approves and how long it is valid.
 */
export function renderVoiceTwiml(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale' | 'context'>): string {
  const { voice, minutes } = catalogues[localeOf(message.locale)];
  const say = (text: string) => `<Say language="${voice.language}">${escapeXml(text)}</Say>`;
  // commas make the voice pause between digits; the full stop ends the reading
  const digits = `${message.code.split('').join(', ')}.`;
  const parts = [
    say(voice.intro),
    '<Pause length="1"/>',
    say(digits),
    '<Pause length="2"/>',
    say(voice.again),
    '<Pause length="1"/>',
    say(digits),
    '<Pause length="1"/>',
    ...(message.context === undefined ? [] : [say(voice.contextLine(message.context))]),
    say(voice.validity(minutes(message.expiresInMinutes))),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${parts.join('')}</Response>`;
}
