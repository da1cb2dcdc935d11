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
  // a result token inside a logged result, e.g. { verified: { token } } under a wrapper
  '*.*.token',
];
