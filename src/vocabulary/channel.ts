/** What every delivery channel speaks: the types the senders and the router share. */

export const channels = ['EMAIL', 'SMS', 'WHATSAPP', 'VOICE'] as const;
export type Channel = (typeof channels)[number];

/** The channels that reach a phone number through Twilio: one send budget and one pumping defence for all. */
export const phoneChannels: readonly Channel[] = ['SMS', 'WHATSAPP', 'VOICE'];
export const isPhoneChannel = (channel: Channel): boolean => phoneChannels.includes(channel);

/** How a refusal names the way a code would have gone: "Codes are not sent by SMS to …". */
export const channelWords: Record<Channel, string> = { EMAIL: 'email', SMS: 'SMS', WHATSAPP: 'WhatsApp', VOICE: 'voice call' };

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
  /** the code's record (otp_logs.id): the provider's status callbacks name it, so a receipt finds it even before the send returned */
  codeId?: number;
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
  /** what the provider said on accepting it: QUEUED (more to come) or SENT (handed on, e.g. an SMTP server's 250) */
  status?: 'QUEUED' | 'SENT';
  /** whether the provider will post status callbacks for it */
  receiptExpected?: boolean;
}

export interface ChannelSender {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  /** sends a security notice (the outbox's dispatcher); a sender without it cannot */
  notify?(message: NoticeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** Routes each message to the sender of its channel. */
export interface Delivery {
  /** whether a code can go by `channel` at all (a sender is configured, or the development log channel stands in) */
  configured?(channel: Channel): boolean;
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  notify?(message: NoticeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}
