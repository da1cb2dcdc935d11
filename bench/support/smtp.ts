import { SMTPServer } from 'smtp-server';
import { listenOnFreePort } from '../../test/support/smtp.js';

export interface SinkSmtpServer {
  port: number;
  /** messages received so far */
  readonly received: number;
  close(): Promise<void>;
}

/** A local SMTP server that accepts every message and throws it away (plain SMTP, no auth). */
export async function startSinkSmtpServer(): Promise<SinkSmtpServer> {
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    closeTimeout: 1_000,
    disableReverseLookup: true,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        callback(null);
      });
    },
  });
  const port = await listenOnFreePort(server);
  return {
    port,
    get received() {
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
