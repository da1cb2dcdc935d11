import { capitalise, SENDER_NAME as S, type Catalogue } from './catalogue.js';

export const en: Catalogue = {
  minutes: (count) => `${count} minute${count === 1 ? '' : 's'}`,
  sms: (code, validity) => `Your ${S} verification code is ${code}. It is valid for ${validity}. Never share it with anyone.`,
  smsWithContext: (code, validity, context) => `${S} code ${code} to approve "${context}". Valid ${validity}. Never share it.`,
  voice: {
    language: 'en-US',
    intro: `Hello. This is ${S}. Your verification code is:`,
    again: 'Once more, your code is:',
    contextLine: (context) => `It approves: ${context}.`,
    validity: (validity) => `It is valid for ${validity}. Never share it with anyone. Goodbye.`,
  },
  email: {
    subject: `Your ${S} verification code`,
    codeLine: (code) => `Your ${S} verification code is ${code}.`,
    codeLead: `Your ${S} verification code is`,
    validity: (validity) => `It is valid for ${validity} and can be used once.`,
    ignore: 'If you did not ask for this code, you can ignore this email; nobody can sign in without it.',
    contextLine: (context) => `It approves: ${context}`,
    contextWarning: 'Enter it only if this is what you are doing.',
  },
  notice: {
    methods: {
      otp: 'a one-time code',
      totp: 'an authenticator app',
      recovery: 'a recovery code',
      recovery_codes: 'a new set of recovery codes',
      passkey: 'a passkey',
      two_factor: 'two-step verification',
    },
    anyMethod: 'a sign-in method',
    what: (type, data, method) => {
      switch (type) {
        case 'factor.added':
          return `${capitalise(method)} was added to your ${S} account.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `Two-step verification was turned off for your ${S} account.`
            : `${capitalise(method)} was removed from your ${S} account.`;
        case 'recovery_code.used':
          return `A recovery code was used to sign in to your ${S} account.`;
        case 'recovery_codes.low':
          return `Your ${S} account has ${String(data.remaining ?? 0)} unused recovery code${data.remaining === 1 ? '' : 's'} left. Generate a new set soon.`;
        case 'user.locked':
          return `Too many wrong codes were entered for your ${S} account, so verification is locked for a while.`;
        case 'user.suspended':
          return `Too many wrong codes in a row were entered for your ${S} account, so two-step verification is suspended until support reinstates it.`;
        case 'device.remembered':
          return `A new device was remembered for your ${S} account after a sign-in with ${method}: it can skip two-step verification for a while.`;
      }
    },
    when: (at) => `When: ${at} (UTC).`,
    notYouLocked: 'If this was not you, someone may know your password: change it now and contact support.',
    notYou: 'If this was not you, change your password now and contact support: someone else may have access to your account.',
    smsNotYou: 'Not you? Change your password and contact support.',
    subjects: {
      'factor.added': `Security alert: a sign-in method was added to your ${S} account`,
      'factor.removed': `Security alert: a sign-in method was removed from your ${S} account`,
      'recovery_code.used': `Security alert: a recovery code was used on your ${S} account`,
      'recovery_codes.low': `Your ${S} recovery codes are running out`,
      'user.locked': `Security alert: verification locked on your ${S} account`,
      'user.suspended': `Security alert: two-step verification suspended on your ${S} account`,
      'device.remembered': `Security alert: a new device was remembered for your ${S} account`,
    },
    signature: `This message was sent automatically by ${S}. It contains no code, and nobody from ${S} will ask you for one.`,
  },
};
