import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../config/config.js';
import type { ChannelSender } from './delivery.js';
import { renderEmail } from './templates.js';

/** Email over SMTP through a pooled nodemailer transport. */
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
      const info = await transport.sendMail({ from: smtp.from, to: message.to, ...email });
      return { providerMessageId: info.messageId };
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
