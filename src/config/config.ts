import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/** The legacy service's silent default; never accepted in production. */
export const LEGACY_DEFAULT_SECRET = 'your_super_secret_key';
const MIN_PRODUCTION_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false'], { error: 'must be true or false' }))
  .transform((value) => value === 'true');

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** `2` + `,`-separated ISO 3166-1 alpha-2 codes, e.g. `DE,AT,CH`. */
const prefixList = z
  .string()
  .transform((value) => value.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^\+\d{1,7}$/, { error: 'must list number prefixes in E.164, e.g. +49151,+43' })));

const countryList = z
  .string()
  .transform((value) => value.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, { error: 'must list two-letter country codes, e.g. DE,AT,CH' })));

/** The id of the key a process makes for itself when ENCRYPTION_KEY is not set (outside production only). */
export const EPHEMERAL_KEY_ID = 'ephemeral';

/**
 * `ENCRYPTION_KEY`: one base64 key of 32 bytes, or several as `id:base64` separated by commas.
 * The first encrypts; every one decrypts, so a key can be rotated in without losing secrets.
 */
const keyring = z.string().transform((value, ctx) => {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const keys = entries.map((entry, index) => {
    const [id, encoded] = entry.includes(':') ? entry.split(':', 2) : [`k${entries.length - index}`, entry];
    return { id: id?.trim() ?? '', key: Buffer.from(encoded?.trim() ?? '', 'base64') };
  });
  for (const { id, key } of keys) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) ctx.addIssue({ code: 'custom', message: `key id "${id}" must be 1-32 letters, digits, _ or -` });
    // What is sealed under this id is replaced at start (the signing key), as never a configured key's.
    if (id === EPHEMERAL_KEY_ID) ctx.addIssue({ code: 'custom', message: `key id "${id}" is reserved for the key a process makes when ENCRYPTION_KEY is not set` });
    if (key.length !== 32) ctx.addIssue({ code: 'custom', message: `key ${id} must be 32 bytes, base64 encoded` });
  }
  if (new Set(keys.map((k) => k.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'key ids must differ' });
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must hold at least one key' });
  return keys;
});

/** OTLP headers as the specification writes them: `key=value,key2=value2`, values URL-encoded. */
const otlpHeaders = z.string().transform((value, ctx) => {
  const headers: Record<string, string> = {};
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const equals = entry.indexOf('=');
    const name = equals > 0 ? entry.slice(0, equals).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      // the value is left out of the message: it is usually a credential
      ctx.addIssue({ code: 'custom', message: 'must be key=value pairs separated by commas, e.g. authorization=Bearer%20abc' });
      continue;
    }
    try {
      headers[name.toLowerCase()] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${name} is not valid URL encoding` });
    }
  }
  return headers;
});

/** `5s,5m,30m,2h`: the waits between a webhook's attempts, each a number and a unit (ms, s, m, h). */
const durationList = z.string().transform((value, ctx) => {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const waits = value.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(entry);
    if (!match?.[1] || !match[2]) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" must be a whole number and a unit (ms, s, m or h), e.g. 5s,5m,30m,2h` });
      return 0;
    }
    return Number(match[1]) * (units[match[2]] ?? 0);
  });
  if (waits.length === 0 || waits.length > 50) ctx.addIssue({ code: 'custom', message: 'must list 1 to 50 waits' });
  return waits;
});

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** `https://app.example.com` or `http://localhost:5173`: what a browser sends as Origin, nothing more. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Where the service keeps its data when DATABASE_URL is not set: a SQLite file in the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./2fa.db';

/** Every variable the service reads, with the names kept from the legacy service. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** unset: 127.0.0.1 outside production (anonymous callers get every scope there), 0.0.0.0 in production */
  HOST: z.string().trim().min(1).optional(),
  PORT: int(0, 65535).default(8004),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** false, true, a number of proxy hops, or addresses/CIDRs of trusted proxies (comma-separated) */
  TRUST_PROXY: z
    .string()
    .trim()
    .transform((value): boolean | number | string[] =>
      value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value.split(',').map((v) => v.trim()),
    )
    .optional(),

  DATABASE_URL: z
    .string()
    .trim()
    .default(DEFAULT_DATABASE_URL)
    .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), {
      error: 'must start with file: (SQLite) or postgresql:// (PostgreSQL)',
      abort: true,
    })
    .refine((url) => url.startsWith('file:') || URL.canParse(url), { error: 'is not a valid postgresql:// URL' }),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  /** the server itself, past any PgBouncer: where migrations run (session advisory lock, DDL) */
  DIRECT_DATABASE_URL: z
    .string()
    .trim()
    .refine((url) => /^postgres(ql)?:\/\//.test(url) && URL.canParse(url), { error: 'must be a valid postgresql:// URL' })
    .optional(),

  SECRET_KEY: optionalText,
  ALGORITHM: z.enum(['HS256', 'HS384', 'HS512']).default('HS256'),

  OTP_EXPIRATION_MINUTES: int(1, 60).default(5),
  OTP_MAX_ATTEMPTS: int(1, 20).default(5),
  OTP_IN_RESPONSE: bool.optional(),
  OTP_RESEND_INTERVAL_SECONDS: int(0, 3600).default(30),
  OTP_MAX_SENDS_PER_HOUR: int(1, 1000).default(5),
  LOCKOUT_THRESHOLD: int(1, 1000).default(10),
  LOCKOUT_MINUTES: int(1, 24 * 60).default(15),
  MAX_CONSECUTIVE_FAILURES: int(1, 100_000).default(100),
  RECOVERY_CODE_COUNT: int(1, 50).default(10),
  TOTP_WINDOW: int(0, 10).default(1),
  RESULT_TOKEN_TTL_SECONDS: int(10, 86_400).default(300),
  REMEMBER_DEVICE_DAYS: int(1, 400).default(30),
  /** ES256 or EdDSA: keys in the database, public parts at /.well-known/jwks.json; HS256: SECRET_KEY, shared */
  RESULT_TOKEN_ALGORITHM: z.enum(['ES256', 'EdDSA', 'HS256']).default('ES256'),

  ENCRYPTION_KEY: keyring.optional(),
  ALLOW_ANONYMOUS_CALLERS: bool.optional(),
  /** the longest lifetime (exp - iat) of a caller's token that is accepted */
  CALLER_TOKEN_MAX_TTL_SECONDS: int(10, 30 * 86_400).default(3600),
  /** how recent a verification a `self` token needs to add or remove a factor */
  ENROLMENT_MAX_AGE_SECONDS: int(10, 86_400).default(600),
  /** when set, a caller's token must name it in `aud` */
  CALLER_AUDIENCE: optionalText,
  /** the platform issuer's JWKS: caller tokens signed by its asymmetric keys are accepted, with `iss` CALLER_ISSUER */
  CALLER_JWKS_URL: z
    .string()
    .trim()
    .refine((url) => /^https?:\/\//.test(url) && URL.canParse(url), { error: 'must be an http(s) URL' })
    .optional(),
  CALLER_ISSUER: optionalText,
  /** how long a fetch of CALLER_JWKS_URL may take before the token is judged on the keys known so far */
  CALLER_JWKS_TIMEOUT_MS: int(100, 60_000).default(2000),
  IP_RATE_LIMIT: int(0, 1_000_000).default(600),
  /** the per-process limit while Redis is unreachable; a quarter of IP_RATE_LIMIT by default */
  IP_RATE_LIMIT_FALLBACK: int(1, 1_000_000).optional(),
  /** where the per-IP counters live, shared by every instance; per process without it */
  REDIS_URL: z
    .string()
    .trim()
    .refine((url) => /^rediss?:\/\//.test(url) && URL.canParse(url), { error: 'must be a redis:// or rediss:// URL' })
    .optional(),

  SMTP_SERVER: optionalText,
  SMTP_PORT: int(1, 65535).default(587),
  SMTP_USERNAME: optionalText,
  SMTP_PASSWORD: optionalText,
  SMTP_FROM_EMAIL: z.email({ error: 'must be an email address' }).default('no-reply@fountain.ai'),
  SMTP_SECURITY: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  SMTP_TIMEOUT_MS: int(100, 120_000).default(10_000),
  SMTP_MAX_CONNECTIONS: int(1, 100).default(5),

  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_PHONE_NUMBER: optionalText,
  TWILIO_MESSAGING_SERVICE_SID: optionalText,
  TWILIO_API_BASE_URL: z.url({ error: 'must be an http(s) URL' }).optional(),
  /** the WhatsApp sender (an E.164 number enabled for WhatsApp, or Twilio's sandbox number); WHATSAPP is off without it */
  TWILIO_WHATSAPP_FROM: z
    .string()
    .trim()
    .regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, { error: 'must be an E.164 number such as +14155238886' })
    .transform((value) => value.replace(/^whatsapp:/, ''))
    .optional(),
  /** a Twilio Content template (HX...) for the WhatsApp code; a plain message (the sandbox) without it */
  TWILIO_WHATSAPP_CONTENT_SID: z
    .string()
    .trim()
    .regex(/^HX[0-9a-fA-F]{32}$/, { error: 'must be a Content SID (HX and 32 hex digits)' })
    .optional(),
  /** VOICE calls from TWILIO_PHONE_NUMBER unless false */
  TWILIO_VOICE_ENABLED: bool.optional(),
  /** where providers reach this service from outside (status callbacks), e.g. https://2fa.example.com */
  PUBLIC_BASE_URL: z
    .string()
    .trim()
    .refine((url) => /^https?:\/\//.test(url) && URL.canParse(url), { error: 'must be an http(s) URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  DELIVERY_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** a code on a channel with receipts that is not delivered within this many seconds sends the user's next code by their next channel */
  DELIVERY_FALLBACK_SECONDS: int(10, 86_400).default(120),

  SMS_ALLOWED_COUNTRIES: countryList.optional(),
  SMS_MAX_PER_HOUR: int(1, 10_000_000).default(1000),
  SMS_PREFIX_MAX_SHARE: z.coerce.number({ error: 'must be a number' }).gt(0).max(1).default(0.5),
  SMS_PREFIX_MIN_SENDS: int(1, 1_000_000).default(20),
  SMS_PREFIX_BLOCK_MIN_SENDS: int(1, 1_000_000).default(50),
  SMS_PREFIX_BLOCK_MIN_VERIFY_RATE: z.coerce.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }).default(0.2),
  SMS_PREFIX_BLOCK_WINDOW_MINUTES: int(1, 7 * 24 * 60).default(60),
  SMS_PREFIX_BLOCK_MINUTES: int(1, 30 * 24 * 60).default(360),
  SMS_PREFIX_ALLOWLIST: prefixList.optional(),

  GRAPHIQL: bool.optional(),
  GRAPHQL_INTROSPECTION: bool.optional(),
  PERSISTED_OPERATIONS_ONLY: bool.default(false),
  /** web origins whose pages may call /graphql from a browser (comma-separated); none by default */
  CORS_ORIGINS: z
    .string()
    .trim()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOrigin, { error: 'each must be an origin such as https://app.example.com (scheme, host and port only)' })))
    .optional(),

  /** the WebAuthn relying party id: the site's registrable domain (passkeys are off in production without it) */
  WEBAUTHN_RP_ID: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, {
      error: 'must be a domain name such as example.com or localhost (no scheme, port or path)',
    })
    .optional(),
  WEBAUTHN_RP_NAME: z.string().trim().min(1).max(100).default('FountainAI'),
  /** the origins whose pages may run the ceremonies (comma-separated), each on WEBAUTHN_RP_ID */
  WEBAUTHN_ORIGINS: z
    .string()
    .trim()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().refine(isOrigin, { error: 'each must be an origin such as https://app.example.com (scheme, host and port only)' }))
        .min(1, { error: 'must name at least one origin' }),
    )
    .optional(),
  WEBAUTHN_USER_VERIFICATION: z.enum(['required', 'preferred']).default('required'),

  /** the waits between a webhook's (or notice's) attempts: Standard Webhooks' schedule, about 27 hours in all */
  WEBHOOK_RETRY_SCHEDULE: durationList.prefault('5s,5m,30m,2h,5h,10h,10h'),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.optional(),
  WEBHOOK_SECRET_GRACE_HOURS: int(0, 720).default(24),
  OUTBOX_DISPATCHER: bool.default(true),
  OUTBOX_POLL_INTERVAL_MS: int(10, 600_000).default(1000),

  /** the bearer token /metrics asks for; in production /metrics is not served without it */
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(32, { error: 'must be at least 32 characters (openssl rand -base64 32)' })
    .max(512, { error: 'must be at most 512 characters' })
    .optional(),
  /**
   * OpenTelemetry traces: the specification's own variables (opentelemetry.io/docs/specs/otel/
   * configuration/sdk-environment-variables), so a collector is pointed at as for any other service.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://collector:4318' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://collector:4318/v1/traces' }).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: otlpHeaders.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/json', 'http/protobuf'], { error: 'must be http/json or http/protobuf (the OTLP protocols this service sends)' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
    .enum(['http/json', 'http/protobuf'], { error: 'must be http/json or http/protobuf (the OTLP protocols this service sends)' })
    .optional(),
  OTEL_BSP_SCHEDULE_DELAY: int(1, 600_000).default(5000),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).default('fountainai-2fa'),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'], {
      error: 'must be always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio',
    })
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }).default(1),
  /** GET /docs (Swagger UI) and GET /openapi.json: the legacy contract has them, so on by default */
  API_DOCS: bool.default(true),

  LOG_RETENTION_DAYS: int(1, 3650).default(90),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
});

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into the nested, typed configuration. Throws a
 * ConfigError naming every bad variable; never exits the process itself.
 */
export function parseConfig(rawEnv: Env) {
  const env = withoutEmptyValues(rawEnv);
  const result = envSchema.safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message }));
  const production = (result.success ? result.data.NODE_ENV : env.NODE_ENV) === 'production';

  if (production) problems.push(...productionProblems(env));
  if (result.success && (result.data.CALLER_JWKS_URL === undefined) !== (result.data.CALLER_ISSUER === undefined)) {
    const [missing, set] = result.data.CALLER_JWKS_URL ? ['CALLER_ISSUER', 'CALLER_JWKS_URL'] : ['CALLER_JWKS_URL', 'CALLER_ISSUER'];
    problems.push({ variable: missing, message: `is required with ${set}: set both or neither` });
  }
  if (result.success) problems.push(...webauthnProblems(result.data, production));
  if (!result.success || problems.length > 0) throw new ConfigError(problems);

  return reshape(result.data, production, env.DATABASE_URL === undefined);
}

/** Reads process.env over an optional .env file; the only place the environment is read. */
export function loadConfig(options: { envFile?: string } = {}) {
  const file = options.envFile ?? '.env';
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return parseConfig({ ...fromFile, ...process.env });
}

export type Config = ReturnType<typeof parseConfig>;
export type DatabaseConfig = Config['database'];
export type TracingConfig = NonNullable<Config['tracing']>;
export type SmtpConfig = NonNullable<Config['smtp']>;

/**
 * `PORT=` in a .env or compose file means "not set", as it does for most tools; read as a
 * value it would silently become port 0 (a random port) or an odd error about 0.
 */
function withoutEmptyValues(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== ''));
}

function productionProblems(env: Env) {
  const problems: { variable: string; message: string }[] = [];
  if (!env.ENCRYPTION_KEY?.trim())
    problems.push({ variable: 'ENCRYPTION_KEY', message: 'is required in production (32 random bytes, base64)' });
  const secret = env.SECRET_KEY?.trim();
  if (!secret) problems.push({ variable: 'SECRET_KEY', message: 'is required in production' });
  else if (secret === LEGACY_DEFAULT_SECRET)
    problems.push({ variable: 'SECRET_KEY', message: 'is the legacy default value; set a random secret' });
  else if (secret.length < MIN_PRODUCTION_SECRET_LENGTH)
    problems.push({
      variable: 'SECRET_KEY',
      message: `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`,
    });
  return problems;
}

/**
 * Passkeys are on when WEBAUTHN_RP_ID is set, or outside production (on `localhost`). Every
 * origin must be the RP id or one of its subdomains (browsers refuse any other), and in
 * production an origin must be named: the service cannot guess where its frontends live.
 */
function webauthnProblems(env: z.infer<typeof envSchema>, production: boolean) {
  const problems: { variable: string; message: string }[] = [];
  if (production && env.WEBAUTHN_RP_ID !== undefined && env.WEBAUTHN_ORIGINS === undefined) {
    problems.push({ variable: 'WEBAUTHN_ORIGINS', message: 'is required in production when passkeys are on (WEBAUTHN_RP_ID is set)' });
  }
  const rpId = env.WEBAUTHN_RP_ID ?? 'localhost';
  for (const origin of env.WEBAUTHN_ORIGINS ?? []) {
    const { hostname, protocol } = new URL(origin);
    if (hostname !== rpId && !hostname.endsWith(`.${rpId}`)) {
      problems.push({ variable: 'WEBAUTHN_ORIGINS', message: `${origin} is not on the relying party id ${rpId} (WEBAUTHN_RP_ID)` });
    } else if (protocol !== 'https:' && hostname !== 'localhost' && !hostname.endsWith('.localhost')) {
      problems.push({ variable: 'WEBAUTHN_ORIGINS', message: `${origin} must use https (browsers offer passkeys only to secure origins)` });
    }
  }
  return problems;
}

/**
 * Traces are exported only when an OTLP endpoint is set and the SDK is not disabled: otherwise
 * undefined, and no tracing code is loaded. The signal's own endpoint is used as it is; the
 * general one gets `/v1/traces` appended, as the specification says.
 */
function tracingConfig(env: z.infer<typeof envSchema>) {
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT && `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (!url || env.OTEL_SDK_DISABLED) return undefined;
  return {
    url,
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: env.OTEL_SERVICE_NAME,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    scheduledDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
  };
}

function reshape(env: z.infer<typeof envSchema>, production: boolean, databaseUrlIsDefault: boolean) {
  const postgres = env.DATABASE_URL.startsWith('postgres');
  return {
    env: env.NODE_ENV,
    production,
    server: { host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'), port: env.PORT, trustProxy: env.TRUST_PROXY ?? false },
    logLevel: env.LOG_LEVEL,
    database: postgres
      ? {
          provider: 'postgres' as const,
          url: env.DATABASE_URL,
          urlIsDefault: false,
          schema: new URL(env.DATABASE_URL).searchParams.get('schema') ?? undefined,
          // Prisma's convention: behind PgBouncer in transaction mode (1.18 and older keep no
          // prepared statement across transactions), the hot path uses unnamed statements.
          pgbouncer: new URL(env.DATABASE_URL).searchParams.get('pgbouncer') === 'true',
          migrationUrl: env.DIRECT_DATABASE_URL ?? env.DATABASE_URL,
          sqlitePath: '',
          poolSize: env.DATABASE_POOL_SIZE,
          connectTimeoutMs: 5_000,
          sqliteBusyTimeoutMs: 0,
        }
      : {
          provider: 'sqlite' as const,
          url: env.DATABASE_URL,
          /** DATABASE_URL unset: ./2fa.db, which production says loudly at start */
          urlIsDefault: databaseUrlIsDefault,
          schema: undefined,
          sqlitePath: env.DATABASE_URL.replace(/^file:/, ''),
          pgbouncer: false,
          migrationUrl: env.DATABASE_URL,
          poolSize: 1,
          connectTimeoutMs: 0,
          sqliteBusyTimeoutMs: 5_000,
        },
    security: {
      // Outside production a missing key gets a random one per process: pending codes
      // do not survive a restart, which is the honest behaviour for a development key.
      secretKey: env.SECRET_KEY ?? randomBytes(32).toString('base64url'),
      secretKeyIsEphemeral: env.SECRET_KEY === undefined,
      algorithm: env.ALGORITHM,
      // Same reasoning as the secret key: outside production, a key for this process only.
      encryptionKeys: env.ENCRYPTION_KEY ?? [{ id: EPHEMERAL_KEY_ID, key: randomBytes(32) }],
      encryptionKeyIsEphemeral: env.ENCRYPTION_KEY === undefined,
      allowAnonymousCallers: env.ALLOW_ANONYMOUS_CALLERS ?? !production,
      callerTokenMaxTtlSeconds: env.CALLER_TOKEN_MAX_TTL_SECONDS,
      callerAudience: env.CALLER_AUDIENCE,
      enrolmentMaxAgeSeconds: env.ENROLMENT_MAX_AGE_SECONDS,
      resultTokenTtlSeconds: env.RESULT_TOKEN_TTL_SECONDS,
      rememberDeviceDays: env.REMEMBER_DEVICE_DAYS,
      resultTokenAlgorithm: env.RESULT_TOKEN_ALGORITHM,
      callerIssuer:
        env.CALLER_JWKS_URL && env.CALLER_ISSUER ? { jwksUrl: env.CALLER_JWKS_URL, issuer: env.CALLER_ISSUER, timeoutMs: env.CALLER_JWKS_TIMEOUT_MS } : undefined,
      ipRateLimitPerMinute: env.IP_RATE_LIMIT,
      ipRateLimitFallbackPerMinute: env.IP_RATE_LIMIT_FALLBACK ?? Math.max(1, Math.floor(env.IP_RATE_LIMIT / 4)),
      redisUrl: env.REDIS_URL,
    },
    throttle: {
      resendIntervalSeconds: env.OTP_RESEND_INTERVAL_SECONDS,
      maxSendsPerHour: env.OTP_MAX_SENDS_PER_HOUR,
      lockoutThreshold: env.LOCKOUT_THRESHOLD,
      lockoutMinutes: env.LOCKOUT_MINUTES,
      maxConsecutiveFailures: env.MAX_CONSECUTIVE_FAILURES,
    },
    totp: { issuer: 'FountainAI', digits: 6, periodSeconds: 30, window: env.TOTP_WINDOW },
    recovery: { count: env.RECOVERY_CODE_COUNT },
    otp: {
      length: 6,
      expirationMinutes: env.OTP_EXPIRATION_MINUTES,
      maxAttempts: env.OTP_MAX_ATTEMPTS,
      inResponse: env.OTP_IN_RESPONSE ?? !production,
    },
    smtp: env.SMTP_SERVER
      ? {
          host: env.SMTP_SERVER,
          port: env.SMTP_PORT,
          username: env.SMTP_USERNAME,
          password: env.SMTP_PASSWORD,
          from: env.SMTP_FROM_EMAIL,
          security: env.SMTP_SECURITY,
          timeoutMs: env.SMTP_TIMEOUT_MS,
          maxConnections: env.SMTP_MAX_CONNECTIONS,
        }
      : undefined,
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            phoneNumber: env.TWILIO_PHONE_NUMBER,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            apiBaseUrl: env.TWILIO_API_BASE_URL,
            whatsappFrom: env.TWILIO_WHATSAPP_FROM,
            whatsappContentSid: env.TWILIO_WHATSAPP_CONTENT_SID,
            voice: env.TWILIO_VOICE_ENABLED ?? true,
            // Twilio posts every status of a message or call here, signed with the auth token
            statusCallbackUrl: env.PUBLIC_BASE_URL ? `${env.PUBLIC_BASE_URL}/delivery/twilio/status` : undefined,
          }
        : undefined,
    delivery: { timeoutMs: env.DELIVERY_TIMEOUT_MS, fallbackSeconds: env.DELIVERY_FALLBACK_SECONDS },
    sms: {
      allowedCountries: env.SMS_ALLOWED_COUNTRIES,
      maxPerHour: env.SMS_MAX_PER_HOUR,
      prefixMaxShare: env.SMS_PREFIX_MAX_SHARE,
      prefixMinSends: env.SMS_PREFIX_MIN_SENDS,
      /** the conversion rule: a prefix with `minSends` sends in the window and a verified share under `minVerifyRate` is blocked */
      prefixBlock: {
        minSends: env.SMS_PREFIX_BLOCK_MIN_SENDS,
        minVerifyRate: env.SMS_PREFIX_BLOCK_MIN_VERIFY_RATE,
        windowMinutes: env.SMS_PREFIX_BLOCK_WINDOW_MINUTES,
        blockMinutes: env.SMS_PREFIX_BLOCK_MINUTES,
        allowlist: env.SMS_PREFIX_ALLOWLIST ?? [],
      },
    },
    graphql: {
      graphiql: env.GRAPHIQL ?? !production,
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      persistedOperationsOnly: env.PERSISTED_OPERATIONS_ONLY,
      corsOrigins: env.CORS_ORIGINS ?? [],
    },
    /** passkeys (WebAuthn); undefined when they are off (production without WEBAUTHN_RP_ID) */
    webauthn:
      env.WEBAUTHN_RP_ID !== undefined || !production
        ? {
            rpId: env.WEBAUTHN_RP_ID ?? 'localhost',
            rpName: env.WEBAUTHN_RP_NAME,
            origins: env.WEBAUTHN_ORIGINS ?? [`http://localhost:${env.PORT}`],
            userVerification: env.WEBAUTHN_USER_VERIFICATION,
          }
        : undefined,
    /** the outbox's dispatcher: webhooks and security notices */
    outbox: {
      dispatcher: env.OUTBOX_DISPATCHER,
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? !production,
      secretGraceHours: env.WEBHOOK_SECRET_GRACE_HOURS,
    },
    /**
     * GET /metrics: behind METRICS_TOKEN when it is set; without it, open outside production
     * and not served at all in production (a scrape cannot be told from a stranger's read).
     */
    metrics: { token: env.METRICS_TOKEN, served: env.METRICS_TOKEN !== undefined || !production },
    /** GET /docs and GET /openapi.json */
    apiDocs: env.API_DOCS,
    tracing: tracingConfig(env),
    retention: { logDays: env.LOG_RETENTION_DAYS },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}
