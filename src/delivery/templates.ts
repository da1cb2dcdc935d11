import type { CodeMessage } from './channel.js';

/** The languages messages are written in; a user's `locale` picks one. */
export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'en';

/** Who the messages say they come from (the email's display name, the signature). */
export const SENDER_NAME = 'FountainAI';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Wording {
  minutes: (count: number) => string;
  /** one GSM-7 segment: no typographic quotes, dashes or emoji (test/templates.test.ts) */
  sms: (code: string, validity: string) => string;
  /** the SMS of a code bound to an action: short, so the action has most of the segment */
  smsWithContext: (code: string, validity: string, context: string) => string;
  /** read out by a phone call: the code is spelt digit by digit between these */
  voice: {
    /** Twilio's `<Say language>` for the locale */
    language: string;
    intro: string;
    /** said before the code's second reading */
    again: string;
    contextLine: (context: string) => string;
    validity: (validity: string) => string;
  };
  email: {
    subject: string;
    /** the text body's first line, which carries the code */
    codeLine: (code: string) => string;
    /** the HTML body's words before the code, which stands out on a line of its own */
    codeLead: string;
    validity: (validity: string) => string;
    ignore: string;
    /** what the code approves, on a line of its own */
    contextLine: (context: string) => string;
    contextWarning: string;
  };
}

const wordings: Record<Locale, Wording> = {
  en: {
    minutes: (count) => `${count} minute${count === 1 ? '' : 's'}`,
    sms: (code, validity) =>
      `Your ${SENDER_NAME} verification code is ${code}. It is valid for ${validity}. Never share it with anyone.`,
    smsWithContext: (code, validity, context) => `${SENDER_NAME} code ${code} to approve "${context}". Valid ${validity}. Never share it.`,
    voice: {
      language: 'en-US',
      intro: `Hello. This is ${SENDER_NAME}. Your verification code is:`,
      again: 'Once more, your code is:',
      contextLine: (context) => `It approves: ${context}.`,
      validity: (validity) => `It is valid for ${validity}. Never share it with anyone. Goodbye.`,
    },
    email: {
      subject: `Your ${SENDER_NAME} verification code`,
      codeLine: (code) => `Your ${SENDER_NAME} verification code is ${code}.`,
      codeLead: `Your ${SENDER_NAME} verification code is`,
      validity: (validity) => `It is valid for ${validity} and can be used once.`,
      ignore: 'If you did not ask for this code, you can ignore this email; nobody can sign in without it.',
      contextLine: (context) => `It approves: ${context}`,
      contextWarning: 'Enter it only if this is what you are doing.',
    },
  },
  de: {
    minutes: (count) => `${count} Minute${count === 1 ? '' : 'n'}`,
    sms: (code, validity) =>
      `Ihr ${SENDER_NAME}-Bestätigungscode lautet ${code}. Er ist ${validity} gültig. Geben Sie ihn niemals weiter.`,
    smsWithContext: (code, validity, context) => `${SENDER_NAME}-Code ${code} zur Freigabe von "${context}". ${validity} gültig. Niemals weitergeben.`,
    voice: {
      language: 'de-DE',
      intro: `Guten Tag. Hier ist ${SENDER_NAME}. Ihr Bestätigungscode lautet:`,
      again: 'Noch einmal, Ihr Code lautet:',
      contextLine: (context) => `Er gibt frei: ${context}.`,
      validity: (validity) => `Er ist ${validity} gültig. Geben Sie ihn niemals weiter. Auf Wiederhören.`,
    },
    email: {
      subject: `Ihr ${SENDER_NAME}-Bestätigungscode`,
      codeLine: (code) => `Ihr ${SENDER_NAME}-Bestätigungscode lautet ${code}.`,
      codeLead: `Ihr ${SENDER_NAME}-Bestätigungscode lautet`,
      validity: (validity) => `Er ist ${validity} gültig und kann einmal verwendet werden.`,
      ignore:
        'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren; ohne den Code kann sich niemand anmelden.',
      contextLine: (context) => `Er gibt frei: ${context}`,
      contextWarning: 'Geben Sie ihn nur ein, wenn Sie genau das tun möchten.',
    },
  },
};

/** The user's locale when it is one we write, English otherwise (e.g. a legacy row's `fr`). */
export function localeOf(locale: string | null | undefined): Locale {
  return locales.find((known) => known === locale) ?? defaultLocale;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The email that carries a code: who sends it, the code, what it approves (if bound to an action), and how long it is valid. */
export function renderEmail(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale' | 'context'>): RenderedEmail {
  const locale = localeOf(message.locale);
  const { email, minutes } = wordings[locale];
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
 * The text message that carries a code: one GSM-7 segment in every locale. With a context it
 * may not be: the generate refuses such a context (CONTEXT_TOO_LONG_FOR_SMS) before sending.
 */
export function renderSms(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale' | 'context'>): string {
  const { sms, smsWithContext, minutes } = wordings[localeOf(message.locale)];
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
  const { voice, minutes } = wordings[localeOf(message.locale)];
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
