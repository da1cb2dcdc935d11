/** What every delivery channel speaks: the types the senders and the router share. */

export const channels = ['EMAIL', 'SMS'] as const;
export type Channel = (typeof channels)[number];

/** What a channel needs to tell a person their code. */
export interface CodeMessage {
  channel: Channel;
  /** the full destination: an email address or an E.164 phone number */
  to: string;
  code: string;
  expiresInMinutes: number;
  locale: string;
  /** the action the code approves (`context`), shown with the code */
  context?: string;
}

/** A security notice to a user, already worded in their language (delivery/notice-templates.ts): never a code. */
export interface NoticeMessage {
  channel: Channel;
  to: string;
  locale: string;
  /** the email's subject */
  subject: string;
  /** the email's text body, or the SMS */
  text: string;
}

export interface DeliveryReceipt {
  providerMessageId?: string;
}

export interface ChannelSender {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  /** sends a security notice (the outbox's dispatcher); a sender without it cannot */
  notify?(message: NoticeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** Routes each message to the sender of its channel. */
export interface Delivery {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  notify?(message: NoticeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}
