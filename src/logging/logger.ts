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
  'code',
  'otp_code',
  'otpCode',
  'token',
  'password',
  'secret',
  '*.code',
  '*.otp_code',
  '*.otpCode',
  '*.token',
  '*.password',
  '*.secret',
  '*.secretKey',
];
