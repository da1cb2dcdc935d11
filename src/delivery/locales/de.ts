import { capitalise, SENDER_NAME as S, type Catalogue } from './catalogue.js';

export const de: Catalogue = {
  minutes: (count) => `${count} Minute${count === 1 ? '' : 'n'}`,
  sms: (code, validity) => `Ihr ${S}-Bestätigungscode lautet ${code}. Er ist ${validity} gültig. Geben Sie ihn niemals weiter.`,
  smsWithContext: (code, validity, context) => `${S}-Code ${code} zur Freigabe von "${context}". ${validity} gültig. Niemals weitergeben.`,
  voice: {
    language: 'de-DE',
    intro: `Guten Tag. Hier ist ${S}. Ihr Bestätigungscode lautet:`,
    again: 'Noch einmal, Ihr Code lautet:',
    contextLine: (context) => `Er gibt frei: ${context}.`,
    validity: (validity) => `Er ist ${validity} gültig. Geben Sie ihn niemals weiter. Auf Wiederhören.`,
  },
  email: {
    subject: `Ihr ${S}-Bestätigungscode`,
    codeLine: (code) => `Ihr ${S}-Bestätigungscode lautet ${code}.`,
    codeLead: `Ihr ${S}-Bestätigungscode lautet`,
    validity: (validity) => `Er ist ${validity} gültig und kann einmal verwendet werden.`,
    ignore: 'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren; ohne den Code kann sich niemand anmelden.',
    contextLine: (context) => `Er gibt frei: ${context}`,
    contextWarning: 'Geben Sie ihn nur ein, wenn Sie genau das tun möchten.',
  },
  notice: {
    methods: {
      otp: 'ein Einmalcode',
      totp: 'eine Authenticator-App',
      recovery: 'ein Wiederherstellungscode',
      recovery_codes: 'ein neuer Satz Wiederherstellungscodes',
      passkey: 'ein Passkey',
      two_factor: 'die Bestätigung in zwei Schritten',
    },
    anyMethod: 'eine Anmeldemethode',
    what: (type, data, method) => {
      switch (type) {
        case 'factor.added':
          return `${capitalise(method)} wurde Ihrem ${S}-Konto hinzugefügt.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `Die Bestätigung in zwei Schritten wurde für Ihr ${S}-Konto ausgeschaltet.`
            : `${capitalise(method)} wurde aus Ihrem ${S}-Konto entfernt.`;
        case 'recovery_code.used':
          return `Mit einem Wiederherstellungscode wurde sich bei Ihrem ${S}-Konto angemeldet.`;
        case 'recovery_codes.low':
          return `Ihr ${S}-Konto hat nur noch ${String(data.remaining ?? 0)} unbenutzte Wiederherstellungscodes. Erzeugen Sie bald einen neuen Satz.`;
        case 'user.locked':
          return `Für Ihr ${S}-Konto wurden zu viele falsche Codes eingegeben; die Bestätigung ist vorübergehend gesperrt.`;
        case 'user.suspended':
          return `Für Ihr ${S}-Konto wurden zu oft hintereinander falsche Codes eingegeben; die Bestätigung in zwei Schritten ist ausgesetzt, bis der Support sie wieder freigibt.`;
        case 'device.remembered':
          return `Ein neues Gerät wurde für Ihr ${S}-Konto gespeichert und kann die Bestätigung in zwei Schritten eine Zeit lang überspringen (bestätigt mit: ${method}).`;
      }
    },
    when: (at) => `Wann: ${at} (UTC).`,
    notYouLocked: 'Waren Sie das nicht, kennt vielleicht jemand Ihr Passwort: Ändern Sie es sofort und wenden Sie sich an den Support.',
    notYou: 'Waren Sie das nicht, ändern Sie sofort Ihr Passwort und wenden Sie sich an den Support: Jemand anderes hat vielleicht Zugriff auf Ihr Konto.',
    smsNotYou: 'Nicht Sie? Passwort ändern und Support kontaktieren.',
    subjects: {
      'factor.added': `Sicherheitshinweis: Ihrem ${S}-Konto wurde eine Anmeldemethode hinzugefügt`,
      'factor.removed': `Sicherheitshinweis: Aus Ihrem ${S}-Konto wurde eine Anmeldemethode entfernt`,
      'recovery_code.used': `Sicherheitshinweis: Ein Wiederherstellungscode wurde für Ihr ${S}-Konto verwendet`,
      'recovery_codes.low': `Ihre ${S}-Wiederherstellungscodes gehen zur Neige`,
      'user.locked': `Sicherheitshinweis: Bestätigung für Ihr ${S}-Konto gesperrt`,
      'user.suspended': `Sicherheitshinweis: Bestätigung in zwei Schritten für Ihr ${S}-Konto ausgesetzt`,
      'device.remembered': `Sicherheitshinweis: Ein neues Gerät wurde für Ihr ${S}-Konto gespeichert`,
    },
    signature: `Diese Nachricht wurde automatisch von ${S} gesendet. Sie enthält keinen Code, und niemand von ${S} wird Sie nach einem fragen.`,
  },
};
