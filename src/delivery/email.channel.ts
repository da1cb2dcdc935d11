import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../config/config.js';
import type { ChannelSender } from './delivery.js';
import { localeOf, renderEmail, SENDER_NAME } from './templates.js';

/**
 * Email over SMTP through a pooled nodemailer transport: TLS from the first byte
 * (`SMTP_SECURITY=tls`), STARTTLS required (`starttls`) or plain (`none`, local relays only);
 * AUTH only when `SMTP_USERNAME` is set; every wait bounded by `SMTP_TIMEOUT_MS`.
 */
export function createEmailChannel(smtp: SmtpConfig): ChannelSender {
  const transport = nodemailer.createTransport({
    pool: true,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    ignoreTLS: smtp.security === 'none',
    requireTLS: smtp.security === 'starttls',
    auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
  return {
    async send(message) {
      const email = renderEmail(message);
      const info = await transport.sendMail({
        from: { name: SENDER_NAME, address: smtp.from },
        to: message.to,
        ...email,
        headers: {
          'Content-Language': localeOf(message.locale),
          // RFC 3834: no out-of-office or other auto-replies to a code
          'Auto-Submitted': 'auto-generated',
        },
      });
      return { providerMessageId: info.messageId };
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
