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
}

export interface DeliveryReceipt {
  providerMessageId?: string;
}

export interface ChannelSender {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** Routes each message to the sender of its channel. */
export interface Delivery {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}
