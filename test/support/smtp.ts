import { createServer, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One message as the SMTP server received it, decoded enough for a test to read. */
export interface CapturedMessage {
  /** envelope sender (MAIL FROM) */
  from: string;
  /** envelope recipients (RCPT TO) */
  to: string[];
  /** the user the client authenticated as, if it did */
  user: string | undefined;
  subject: string;
  /** the decoded text/plain part */
  text: string;
  /** the decoded text/html part, '' when there is none */
  html: string;
  raw: string;
  /** false when the server read the message and then refused it (or held it unanswered) */
  accepted: boolean;
}

export interface SmtpServerOptions {
  /** credentials the server demands (AUTH over plain TCP); without them it takes anyone */
  auth?: { username: string; password: string };
  /** answer every RCPT TO with 550 */
  refuseRecipients?: boolean;
  /** read the whole message, then answer the DATA with 554 */
  refuseData?: boolean;
  /** read and capture the whole message, then never answer the DATA: a delivery left in flight */
  holdData?: boolean;
}

export interface TestSmtpServer {
  port: number;
  messages: CapturedMessage[];
  /** changes how the running server answers from the next command on */
  behave(options: Omit<SmtpServerOptions, 'auth'>): void;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 and a free port, capturing what it receives. */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: CapturedMessage[] = [];
  const { auth } = options;
  let behaviour: Omit<SmtpServerOptions, 'auth'> = { ...options };
  const serverOptions: SMTPServerOptions = {
    logger: false,
    closeTimeout: 1_000,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    // The app talks plain SMTP here (SMTP_SECURITY=none), so AUTH must be allowed without TLS.
    allowInsecureAuth: true,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.username && credentials.password === auth.password) {
        callback(null, { user: credentials.username });
      } else {
        callback(smtpError(535, 'Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      // Real servers repeat the address in their refusal; the service must not store it whole.
      callback(behaviour.refuseRecipients ? smtpError(550, `No such mailbox here: ${address.address}`) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { envelope } = session;
        const { refuseData, holdData } = behaviour;
        messages.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          ...readMessage(raw),
          raw,
          accepted: !refuseData && !holdData,
        });
        if (holdData) return;
        callback(refuseData ? smtpError(554, 'Message refused') : null);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  const port = await listenOnFreePort(server);
  return {
    port,
    messages,
    behave(next) {
      behaviour = { ...next };
    },
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

/** Starts `server` on 127.0.0.1 and a free port; resolves with the port. */
export function listenOnFreePort(server: SMTPServer): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listening = server.listen(0, '127.0.0.1', () => {
      resolve((listening.address() as AddressInfo).port);
    });
  });
}

/** A TCP server that takes connections and never says a word: a mail server that hangs. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening on it: a mail server that is down. */
export async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => probe.close((error) => (error ? reject(error) : resolve())));
  return port;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

/** The subject and the decoded text and HTML parts of a MIME message. */
function readMessage(raw: string): { subject: string; text: string; html: string } {
  const root = parsePart(raw);
  const leaves = flatten(root);
  const find = (type: string) => leaves.find((part) => contentType(part).startsWith(type));
  const text = find('text/plain');
  const html = find('text/html');
  return {
    subject: decodeWords(root.headers.get('subject') ?? ''),
    text: text ? decodeBody(text) : '',
    html: html ? decodeBody(html) : '',
  };
}

function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function contentType(part: MimePart): string {
  return (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
}

function flatten(part: MimePart): MimePart[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(part.headers.get('content-type') ?? '')?.[1];
  if (!contentType(part).startsWith('multipart/') || !boundary) return [part];
  return part.body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((chunk) => parsePart(chunk.replace(/^\r\n/, '')))
    .flatMap(flatten);
}

function decodeBody(part: MimePart): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(text: string): string {
  const tokens = text.replace(/=\r\n/g, '').split(/(=[0-9A-F]{2})/i);
  const bytes = tokens.map((token) =>
    /^=[0-9A-F]{2}$/i.test(token) ? Buffer.from([parseInt(token.slice(1), 16)]) : Buffer.from(token, 'utf8'),
  );
  return Buffer.concat(bytes).toString('utf8');
}

/** RFC 2047 encoded words in a header, e.g. =?UTF-8?Q?...?= */
function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_match, _charset, kind: string, data: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}
