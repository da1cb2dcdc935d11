import type { EventData, EventType } from '../events/events.js';
import { localeOf, SENDER_NAME, type Locale } from './templates.js';

/** The event types a user is told of. */
export type NoticeType = Extract<EventType, 'factor.added' | 'factor.removed' | 'recovery_code.used' | 'recovery_codes.low' | 'user.locked' | 'user.suspended' | 'device.remembered'>;

export interface RenderedNotice {
  subject: string;
  /** the email's text body */
  text: string;
  /** the SMS: one short message */
  sms: string;
}

interface NoticeWording {
  /** what happened, one sentence */
  what: (type: NoticeType, data: EventData) => string;
  when: (at: string) => string;
  /** what to do if it was not them */
  notYou: (type: NoticeType) => string;
  smsNotYou: string;
  subject: (type: NoticeType) => string;
  signature: string;
  method: (method: string | undefined) => string;
}

const wordings: Record<Locale, NoticeWording> = {
  en: {
    method: (method) =>
      ({ otp: 'a one-time code', totp: 'an authenticator app', recovery: 'a recovery code', recovery_codes: 'a new set of recovery codes', passkey: 'a passkey', two_factor: 'two-step verification' })[
        method ?? ''
      ] ?? 'a sign-in method',
    what: (type, data) => {
      const method = wordings.en.method(data.method);
      switch (type) {
        case 'factor.added':
          return `${method.charAt(0).toUpperCase()}${method.slice(1)} was added to your ${SENDER_NAME} account.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `Two-step verification was turned off for your ${SENDER_NAME} account.`
            : `${method.charAt(0).toUpperCase()}${method.slice(1)} was removed from your ${SENDER_NAME} account.`;
        case 'recovery_code.used':
          return `A recovery code was used to sign in to your ${SENDER_NAME} account.`;
        case 'recovery_codes.low':
          return `Your ${SENDER_NAME} account has ${String(data.remaining ?? 0)} unused recovery code${data.remaining === 1 ? '' : 's'} left. Generate a new set soon.`;
        case 'user.locked':
          return `Too many wrong codes were entered for your ${SENDER_NAME} account, so verification is locked for a while.`;
        case 'user.suspended':
          return `Too many wrong codes in a row were entered for your ${SENDER_NAME} account, so two-step verification is suspended until support reinstates it.`;
        case 'device.remembered':
          return `A new device was remembered for your ${SENDER_NAME} account after a sign-in with ${wordings.en.method(data.method)}: it can skip two-step verification for a while.`;
      }
    },
    when: (at) => `When: ${at} (UTC).`,
    notYou: (type) =>
      type === 'user.locked' || type === 'user.suspended'
        ? 'If this was not you, someone may know your password: change it now and contact support.'
        : 'If this was not you, change your password now and contact support: someone else may have access to your account.',
    smsNotYou: 'Not you? Change your password and contact support.',
    subject: (type) =>
      ({
        'factor.added': `Security alert: a sign-in method was added to your ${SENDER_NAME} account`,
        'factor.removed': `Security alert: a sign-in method was removed from your ${SENDER_NAME} account`,
        'recovery_code.used': `Security alert: a recovery code was used on your ${SENDER_NAME} account`,
        'recovery_codes.low': `Your ${SENDER_NAME} recovery codes are running out`,
        'user.locked': `Security alert: verification locked on your ${SENDER_NAME} account`,
        'user.suspended': `Security alert: two-step verification suspended on your ${SENDER_NAME} account`,
        'device.remembered': `Security alert: a new device was remembered for your ${SENDER_NAME} account`,
      })[type],
    signature: `This message was sent automatically by ${SENDER_NAME}. It contains no code, and nobody from ${SENDER_NAME} will ask you for one.`,
  },
  de: {
    method: (method) =>
      ({ otp: 'ein Einmalcode', totp: 'eine Authenticator-App', recovery: 'ein Wiederherstellungscode', recovery_codes: 'ein neuer Satz Wiederherstellungscodes', passkey: 'ein Passkey', two_factor: 'die Bestätigung in zwei Schritten' })[
        method ?? ''
      ] ?? 'eine Anmeldemethode',
    what: (type, data) => {
      const method = wordings.de.method(data.method);
      const capitalised = `${method.charAt(0).toUpperCase()}${method.slice(1)}`;
      switch (type) {
        case 'factor.added':
          return `${capitalised} wurde Ihrem ${SENDER_NAME}-Konto hinzugefügt.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `Die Bestätigung in zwei Schritten wurde für Ihr ${SENDER_NAME}-Konto ausgeschaltet.`
            : `${capitalised} wurde aus Ihrem ${SENDER_NAME}-Konto entfernt.`;
        case 'recovery_code.used':
          return `Mit einem Wiederherstellungscode wurde sich bei Ihrem ${SENDER_NAME}-Konto angemeldet.`;
        case 'recovery_codes.low':
          return `Ihr ${SENDER_NAME}-Konto hat nur noch ${String(data.remaining ?? 0)} unbenutzte Wiederherstellungscodes. Erzeugen Sie bald einen neuen Satz.`;
        case 'user.locked':
          return `Für Ihr ${SENDER_NAME}-Konto wurden zu viele falsche Codes eingegeben; die Bestätigung ist vorübergehend gesperrt.`;
        case 'user.suspended':
          return `Für Ihr ${SENDER_NAME}-Konto wurden zu oft hintereinander falsche Codes eingegeben; die Bestätigung in zwei Schritten ist ausgesetzt, bis der Support sie wieder freigibt.`;
        case 'device.remembered':
          return `Ein neues Gerät wurde für Ihr ${SENDER_NAME}-Konto gespeichert und kann die Bestätigung in zwei Schritten eine Zeit lang überspringen (bestätigt mit: ${wordings.de.method(data.method)}).`;
      }
    },
    when: (at) => `Wann: ${at} (UTC).`,
    notYou: (type) =>
      type === 'user.locked' || type === 'user.suspended'
        ? 'Waren Sie das nicht, kennt vielleicht jemand Ihr Passwort: Ändern Sie es sofort und wenden Sie sich an den Support.'
        : 'Waren Sie das nicht, ändern Sie sofort Ihr Passwort und wenden Sie sich an den Support: Jemand anderes hat vielleicht Zugriff auf Ihr Konto.',
    smsNotYou: 'Nicht Sie? Passwort ändern und Support kontaktieren.',
    subject: (type) =>
      ({
        'factor.added': `Sicherheitshinweis: Ihrem ${SENDER_NAME}-Konto wurde eine Anmeldemethode hinzugefügt`,
        'factor.removed': `Sicherheitshinweis: Aus Ihrem ${SENDER_NAME}-Konto wurde eine Anmeldemethode entfernt`,
        'recovery_code.used': `Sicherheitshinweis: Ein Wiederherstellungscode wurde für Ihr ${SENDER_NAME}-Konto verwendet`,
        'recovery_codes.low': `Ihre ${SENDER_NAME}-Wiederherstellungscodes gehen zur Neige`,
        'user.locked': `Sicherheitshinweis: Bestätigung für Ihr ${SENDER_NAME}-Konto gesperrt`,
        'user.suspended': `Sicherheitshinweis: Bestätigung in zwei Schritten für Ihr ${SENDER_NAME}-Konto ausgesetzt`,
        'device.remembered': `Sicherheitshinweis: Ein neues Gerät wurde für Ihr ${SENDER_NAME}-Konto gespeichert`,
      })[type],
    signature: `Diese Nachricht wurde automatisch von ${SENDER_NAME} gesendet. Sie enthält keinen Code, und niemand von ${SENDER_NAME} wird Sie nach einem fragen.`,
  },
};

/** A security notice in the user's language: what happened, when, what to do if it was not them. Never a code. */
export function renderNotice(type: NoticeType, data: EventData, occurredAt: Date, locale: string): RenderedNotice {
  const wording = wordings[localeOf(locale)];
  const at = occurredAt.toISOString().replace('T', ' ').slice(0, 16);
  const what = wording.what(type, data);
  return {
    subject: wording.subject(type),
    text: [what, wording.when(at), '', wording.notYou(type), '', wording.signature, ''].join('\n'),
    sms: `${SENDER_NAME}: ${what} ${wording.smsNotYou}`,
  };
}
