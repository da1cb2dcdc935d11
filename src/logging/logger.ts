/** The slice of pino's logger that services use; Fastify's request and app loggers fit it. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Paths pino removes from every log line: codes, secrets and tokens never reach a log,
 * wherever a caller put them.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  // a bearer token wherever request headers get logged whole (a request, an error's request)
  'authorization',
  'headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  // `code` only where a request carries it: a bare `code` is also an error's code (P1001,
  // ECONNREFUSED), which operators need to read.
  'body.code',
  'variables.code',
  '*.body.code',
  '*.variables.code',
  'otp_code',
  'otpCode',
  'token',
  'password',
  'secret',
  '*.otp_code',
  '*.otpCode',
  '*.token',
  '*.password',
  '*.secret',
  '*.secretKey',
  // a remembered device's token, as REST and GraphQL carry it
  'deviceToken',
  'device_token',
  '*.deviceToken',
  '*.device_token',
  '*.*.deviceToken',
  // a result token inside a logged result, e.g. { verified: { token } } under a wrapper
  '*.*.token',
];

/** What pino writes in place of a value it must not show. */
export const redactedValue = '[redacted]';

/**
 * A URL as logged: the path as it is, each value of the query string replaced, so
 * `/auth/generate?username=alice` logs as `/auth/generate?username=[redacted]`. Usernames,
 * codes and anything else a legacy caller puts in a query string never reach a log; the names
 * of the parameters stay, where they look like names, to tell requests apart.
 */
export function redactQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const parameters = url
    .slice(start + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const name = equals === -1 ? '' : parameter.slice(0, equals);
      return /^[A-Za-z_][\w.[\]-]{0,63}$/.test(name) ? `${name}=${redactedValue}` : redactedValue;
    });
  return `${url.slice(0, start)}?${parameters.join('&')}`;
}

/** The request as it would otherwise be typed (Node's message) and as Fastify passes it. */
interface LoggedRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  host?: string;
  socket?: { remotePort?: number } | null;
}

/**
 * Fastify's own serializers for pino, but for the URL: its request line (`incoming request`)
 * logs `req.url`, which would carry the query string's values.
 */
export const logSerializers = {
  req: (request: LoggedRequest) => {
    const version = request.headers['accept-version'];
    return {
      method: request.method,
      url: request.url === undefined ? undefined : redactQuery(request.url),
      version: typeof version === 'string' ? version : undefined,
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};
