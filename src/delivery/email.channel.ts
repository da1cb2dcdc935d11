import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import MimeNode from 'nodemailer/lib/mime-node/index.js';
import * as qp from 'nodemailer/lib/qp/index.js';
import type { SMTPTransportGetSocket } from 'nodemailer/lib/smtp-transport/index.js';
import type { SmtpConfig } from '../config/config.js';
import type { ChannelSender, CodeMessage } from '../vocabulary/channel.js';
import { localeOf, renderEmail, SENDER_NAME, type RenderedEmail } from './templates.js';

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
 *
 * The message is composed here (messageComposer) and handed to the pool whole: nodemailer's
 * own composition had been most of a generate's CPU (docs/performance.md). The pool still
 * does everything SMTP: connections, TLS, AUTH, dot-stuffing, timeouts, retries on a dropped
 * connection; a send resolves only once the server accepted the message.
 */
export function createEmailChannel(smtp: SmtpConfig): ChannelSender {
  // (typed here: the pooled overload's union leaves the callback's parameters untyped)
  const getSocket: SMTPTransportGetSocket = (_options, callback) => {
    connectWithoutDelay(smtp).then(
      (connection) => callback(null, { connection }),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined),
    );
  };
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: smtp.maxConnections,
    maxMessages: MAX_MESSAGES_PER_CONNECTION,
    getSocket,
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
  const compose = messageComposer(smtp.from);
  const pool = transport.transporter;
  return {
    async send(message) {
      const composed = compose(message);
      await new Promise<void>((resolve, reject) => {
        pool.send(asMailMessage(composed), (error) => (error ? reject(error) : resolve()));
      });
      // the server took responsibility for it (250 after DATA) for the one recipient: all SMTP can tell; bounces come later, elsewhere
      return { providerMessageId: composed.messageId, status: 'SENT' };
    },
    async notify(message) {
      const info = await transport.sendMail({
        from: { name: SENDER_NAME, address: smtp.from },
        to: message.to,
        subject: message.subject,
        text: message.text,
        headers: { 'Content-Language': localeOf(message.locale), 'Auto-Submitted': 'auto-generated' },
      });
      return { providerMessageId: info.messageId };
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}

export interface ComposedMessage {
  envelope: { from: string; to: string[] };
  /** the Message-ID header's value, angle brackets included */
  messageId: string;
  /** the whole RFC 5322 message, CRLF line ends */
  raw: Buffer;
}

/**
 * Composes the message nodemailer would for `{ from, to, subject, text, html, headers }`: the
 * same headers in the same order (Content-Language, Auto-Submitted, From, To, Subject,
 * Message-ID, Date, MIME-Version, Content-Type), multipart/alternative with a text/plain and a
 * text/html part, each UTF-8 in quoted-printable (nodemailer's own encoder), a random boundary
 * per message. Header values that need encoding (the sender, each subject, an address that is
 * not plain ASCII) are encoded by nodemailer itself; those of the sender and the subjects are
 * encoded once and kept.
 */
export function messageComposer(from: string): (message: Pick<CodeMessage, 'to'> & Parameters<typeof renderEmail>[0]) => ComposedMessage {
  const sender = nodemailerHeaders({ From: { name: SENDER_NAME, address: from } });
  const fromLine = sender.lines.From ?? '';
  const envelopeFrom = sender.envelope.from;
  const domain = envelopeFrom.slice(envelopeFrom.lastIndexOf('@') + 1);
  const subjectLines = new Map<string, string>();
  const subjectLine = (subject: string) => {
    let line = subjectLines.get(subject);
    if (line === undefined) {
      line = nodemailerHeaders({ Subject: subject }).lines.Subject ?? '';
      // a handful of subjects (one per locale); bounded anyway
      if (subjectLines.size < 100) subjectLines.set(subject, line);
    }
    return line;
  };
  return (message) => {
    const email: RenderedEmail = renderEmail(message);
    const to = recipient(message.to);
    const id = randomUUID();
    const messageId = `<${id}@${domain}>`;
    const boundary = `--_NmP-${id.slice(-12)}${id.slice(0, 4)}-Part_1`;
    const raw =
      `Content-Language: ${localeOf(message.locale)}\r\n` +
      // RFC 3834: no out-of-office or other auto-replies to a code
      'Auto-Submitted: auto-generated\r\n' +
      `${fromLine}\r\n${to.line}\r\n${subjectLine(email.subject)}\r\n` +
      `Message-ID: ${messageId}\r\n` +
      `Date: ${new Date().toUTCString().replace(/GMT/, '+0000')}\r\n` +
      'MIME-Version: 1.0\r\n' +
      `Content-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n` +
      '\r\n' +
      `--${boundary}\r\n${textPart('text/plain', email.text)}\r\n` +
      `--${boundary}\r\n${textPart('text/html', email.html)}\r\n` +
      `--${boundary}--\r\n`;
    return { envelope: { from: envelopeFrom, to: [to.address] }, messageId, raw: Buffer.from(raw, 'utf8') };
  };
}

/**
 * The message as nodemailer's transports take it (`transport.send(mail, callback)`, the
 * interface of custom transports): the pool asks `mail.message` for the envelope, the
 * Message-ID and the content, which may be a Buffer, and reads options from `mail.data`. The
 * email tests send through it (test/email-delivery.test.ts).
 */
function asMailMessage(composed: ComposedMessage): MailMessage<SMTPPool.SentMessageInfo> {
  const message = {
    getEnvelope: () => composed.envelope,
    messageId: () => composed.messageId,
    getHeader: (name: string) => (name.toLowerCase() === 'message-id' ? composed.messageId : undefined),
    createReadStream: () => composed.raw,
  };
  return { data: {}, message } as unknown as MailMessage<SMTPPool.SentMessageInfo>;
}

/** A text part: its headers, a blank line and the content in quoted-printable, CRLF line ends. */
function textPart(type: 'text/plain' | 'text/html', content: string): string {
  const body = qp.wrap(qp.encode(content.replace(/\r?\n/g, '\r\n')), 76);
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}

/** An address of dot-atoms in ASCII: nodemailer writes it as it is, in the header and the envelope. */
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/;

/** The To header and the envelope recipient for `address`; anything but a plain address as nodemailer encodes it. */
function recipient(address: string): { line: string; address: string } {
  if (PLAIN_ADDRESS.test(address)) return { line: `To: ${address}`, address };
  const encoded = nodemailerHeaders({ To: address });
  return { line: encoded.lines.To ?? '', address: encoded.envelope.to[0] ?? address };
}

/**
 * Header lines as nodemailer's MIME node builds them (encoded words, punycode domains, folding),
 * by name, and the envelope it derives from them.
 */
function nodemailerHeaders(headers: Record<string, string | { name: string; address: string }>): {
  lines: Record<string, string>;
  envelope: { from: string; to: string[] };
} {
  const node = new MimeNode('text/plain');
  for (const [name, value] of Object.entries(headers)) node.setHeader(name, value);
  const lines: Record<string, string> = {};
  let current: string | undefined;
  for (const line of node.buildHeaders().split('\r\n')) {
    if (/^[ \t]/.test(line) && current !== undefined) {
      lines[current] = `${lines[current] ?? ''}\r\n${line}`;
      continue;
    }
    const name = line.slice(0, line.indexOf(':'));
    current = name in headers ? name : undefined;
    if (current !== undefined) lines[current] = line;
  }
  const envelope = node.getEnvelope();
  return { lines, envelope: { from: envelope.from || '', to: envelope.to } };
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
