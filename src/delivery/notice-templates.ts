import type { EventData } from '../events/events.js';
import { SENDER_NAME, type NoticeMethod, type NoticeType } from './locales/catalogue.js';
import { catalogues, localeOf } from './locales/index.js';

export type { NoticeType } from './locales/catalogue.js';

export interface RenderedNotice {
  subject: string;
  /** the email's text body */
  text: string;
  /** the SMS: one short message */
  sms: string;
}

const noticeMethods = new Set<string>(['otp', 'totp', 'recovery', 'recovery_codes', 'passkey', 'two_factor'] satisfies NoticeMethod[]);
const isNoticeMethod = (method: string | undefined): method is NoticeMethod => method !== undefined && noticeMethods.has(method);

/** A security notice in the user's language: what happened, when, what to do if it was not them. Never a code. */
export function renderNotice(type: NoticeType, data: EventData, occurredAt: Date, locale: string): RenderedNotice {
  const { notice } = catalogues[localeOf(locale)];
  const at = occurredAt.toISOString().replace('T', ' ').slice(0, 16);
  const method = isNoticeMethod(data.method) ? notice.methods[data.method] : notice.anyMethod;
  const what = notice.what(type, data, method);
  const notYou = type === 'user.locked' || type === 'user.suspended' ? notice.notYouLocked : notice.notYou;
  return {
    subject: notice.subjects[type],
    text: [what, notice.when(at), '', notYou, '', notice.signature, ''].join('\n'),
    sms: `${SENDER_NAME}: ${what} ${notice.smsNotYou}`,
  };
}
