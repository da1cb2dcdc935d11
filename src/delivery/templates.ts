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
  email: {
    subject: string;
    /** the text body's first line, which carries the code */
    codeLine: (code: string) => string;
    /** the HTML body's words before the code, which stands out on a line of its own */
    codeLead: string;
    validity: (validity: string) => string;
    ignore: string;
  };
}

const wordings: Record<Locale, Wording> = {
  en: {
    minutes: (count) => `${count} minute${count === 1 ? '' : 's'}`,
    sms: (code, validity) =>
      `Your ${SENDER_NAME} verification code is ${code}. It is valid for ${validity}. Never share it with anyone.`,
    email: {
      subject: `Your ${SENDER_NAME} verification code`,
      codeLine: (code) => `Your ${SENDER_NAME} verification code is ${code}.`,
      codeLead: `Your ${SENDER_NAME} verification code is`,
      validity: (validity) => `It is valid for ${validity} and can be used once.`,
      ignore: 'If you did not ask for this code, you can ignore this email; nobody can sign in without it.',
    },
  },
  de: {
    minutes: (count) => `${count} Minute${count === 1 ? '' : 'n'}`,
    sms: (code, validity) =>
      `Ihr ${SENDER_NAME}-Bestätigungscode lautet ${code}. Er ist ${validity} gültig. Geben Sie ihn niemals weiter.`,
    email: {
      subject: `Ihr ${SENDER_NAME}-Bestätigungscode`,
      codeLine: (code) => `Ihr ${SENDER_NAME}-Bestätigungscode lautet ${code}.`,
      codeLead: `Ihr ${SENDER_NAME}-Bestätigungscode lautet`,
      validity: (validity) => `Er ist ${validity} gültig und kann einmal verwendet werden.`,
      ignore:
        'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren; ohne den Code kann sich niemand anmelden.',
    },
  },
};

/** The user's locale when it is one we write, English otherwise (e.g. a legacy row's `fr`). */
export function localeOf(locale: string | null | undefined): Locale {
  return locales.find((known) => known === locale) ?? defaultLocale;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The email that carries a code: who sends it, the code, and how long it is valid. */
export function renderEmail(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale'>): RenderedEmail {
  const locale = localeOf(message.locale);
  const { email, minutes } = wordings[locale];
  const validity = minutes(message.expiresInMinutes);
  const text = [email.codeLine(message.code), '', email.validity(validity), email.ignore, '', `— ${SENDER_NAME}`].join('\n');
  const html = `<!doctype html>
<html lang="${locale}"><body style="font-family: sans-serif">
<p>${escapeHtml(email.codeLead)}</p>
<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">${escapeHtml(message.code)}</p>
<p>${escapeHtml(email.validity(validity))}</p>
<p>${escapeHtml(email.ignore)}</p>
<p>— ${escapeHtml(SENDER_NAME)}</p>
</body></html>`;
  return { subject: email.subject, text, html };
}

/** The text message that carries a code: one GSM-7 segment in every locale. */
export function renderSms(message: Pick<CodeMessage, 'code' | 'expiresInMinutes' | 'locale'>): string {
  const { sms, minutes } = wordings[localeOf(message.locale)];
  return sms(message.code, minutes(message.expiresInMinutes));
}
