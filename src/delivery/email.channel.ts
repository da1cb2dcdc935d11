import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../config/config.js';
import type { ChannelSender } from './channel.js';
import { localeOf, renderEmail, SENDER_NAME } from './templates.js';

/**
 * Messages per pooled connection before it is replaced (nodemailer's default, stated here):
 * some relays cap messages per connection, and a new connection costs only a few round trips.
 */
const MAX_MESSAGES_PER_CONNECTION = 100;

/**
 * Email over SMTP through a pooled nodemailer transport: TLS from the first byte
 * (`SMTP_SECURITY=tls`), STARTTLS required (`starttls`) or plain (`none`, local relays only);
 * AUTH only when `SMTP_USERNAME` is set; every wait bounded by `SMTP_TIMEOUT_MS`; at most
 * `SMTP_MAX_CONNECTIONS` connections at once, each sending one message at a time.
 */
export function createEmailChannel(smtp: SmtpConfig): ChannelSender {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: smtp.maxConnections,
    maxMessages: MAX_MESSAGES_PER_CONNECTION,
    getSocket: (_options, callback) => {
      connectWithoutDelay(smtp).then(
        (connection) => callback(null, { connection }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined),
      );
    },
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

/**
 * The TCP connection for one pooled SMTP connection, with Nagle's algorithm off. nodemailer
 * writes a command or a message in several small writes; with Nagle on, each write after the
 * first waits for the server's delayed ACK (~40 ms on Linux), several times per message.
 * nodemailer takes the connected socket from here and does the rest itself: the TLS
 * handshake for `tls` (SNI included), STARTTLS, AUTH and its own timeouts.
 */
function connectWithoutDelay(smtp: SmtpConfig): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: smtp.host, port: smtp.port, noDelay: true, keepAlive: true, timeout: smtp.timeoutMs });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const timedOut = () => fail(Object.assign(new Error(`Connection timeout after ${smtp.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    socket.once('error', fail);
    socket.once('timeout', timedOut);
    socket.once('connect', () => {
      socket.off('error', fail);
      socket.off('timeout', timedOut);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}
