import type { EventData, EventType } from '../../events/events.js';

/** The event types a user is told of. */
export type NoticeType = Extract<EventType, 'factor.added' | 'factor.removed' | 'recovery_code.used' | 'recovery_codes.low' | 'user.locked' | 'user.suspended' | 'device.remembered'>;

/** The sign-in methods a notice can name (an event's `data.method`). */
export type NoticeMethod = 'otp' | 'totp' | 'recovery' | 'recovery_codes' | 'passkey' | 'two_factor';

/**
 * Every text the service sends a user, in one language. One file per locale fills it in
 * (src/delivery/locales/<tag>.ts); the type makes a missing text a compile error, and
 * test/locales.test.ts checks every catalogue has every key of English and that each SMS fits one segment.
 */
export interface Catalogue {
  minutes: (count: number) => string;
  /**
   * One SMS segment with the longest code and expiry: GSM-7 (160 septets) where the language
   * can be written in it, else UCS-2 (70 characters), see gsm7.ts
   */
  sms: (code: string, validity: string) => string;
  /**
   * The SMS of a code bound to an action: short and GSM-7 only, so the action has most of the
   * segment (at least SMS_CONTEXT_ROOM characters)
   */
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
  /** security notices: never a code */
  notice: {
    /** how a sign-in method is named inside a sentence (with its article) */
    methods: Record<NoticeMethod, string>;
    /** a method the catalogue does not name */
    anyMethod: string;
    /** what happened, one or two sentences; `method` is already worded */
    what: (type: NoticeType, data: EventData, method: string) => string;
    when: (at: string) => string;
    /** what to do if it was not them, after a lock or suspension */
    notYouLocked: string;
    /** what to do if it was not them, after any other change */
    notYou: string;
    smsNotYou: string;
    subjects: Record<NoticeType, string>;
    signature: string;
  };
}

/** Who the messages say they come from (the email's display name, the signature). */
export const SENDER_NAME = 'FountainAI';

export const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
