import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, authorizeFor, isSelfCaller, type Scope } from '../auth/caller.js';
import type { Channel } from '../vocabulary/channel.js';
import { bodyMissing, jsonInvalid, toFastApiIssues } from '../http/fastapi-errors.js';
import { restError } from '../http/error-reply.js';
import { CODE_MAX_LENGTH, CONTEXT_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../limits/input-limits.js';
import { errorAnswers, validationAnswer } from '../http/schemas.js';
import type { VerificationService } from './verification.service.js';
import { assuranceLevels, factorKinds, type AssuranceLevel } from '../vocabulary/assurance.js';
import { InsufficientAssuranceError } from '../errors/errors.js';
import { deviceAnswer, deviceSchema } from './verify-device.routes.js';

/** What each error status means on both routes; a route's `errorAnswers` picks those its codes use. */
const statusMeaning = {
  401: 'No valid bearer token: one that does not verify, or none where ALLOW_ANONYMOUS_CALLERS is off.',
  403: 'The bearer token does not grant the scope this route needs.',
  // Sooner than a throttle allows: Retry-After says when to try again.
  429: 'Too many requests (from this address, or for this user); Retry-After says how many seconds to wait.',
} as const;

/**
 * Error answers whose 400 carries what a step-up refusal adds: the level asked for and the
 * user's factors that would reach it (INSUFFICIENT_ASSURANCE only), so a frontend can offer the
 * right one.
 */
function withAssuranceRefusal(answers: ReturnType<typeof errorAnswers>) {
  const refused = answers[400];
  if (!refused) throw new Error('No 400 answer to add the step-up refusal’s fields to');
  return {
    ...answers,
    400: {
      ...refused,
      properties: {
        ...refused.properties,
        required: { type: 'string', enum: assuranceLevels, description: 'The minimum assurance asked for (INSUFFICIENT_ASSURANCE only).' },
        sufficient_factors: {
          type: 'array',
          items: { type: 'string', enum: factorKinds },
          description: 'The user’s factors that would reach it, strongest first (INSUFFICIENT_ASSURANCE only).',
        },
      },
    },
  };
}

const generateSchema = {
  summary: 'Generate OTP for a user',
  description:
    'Creates a one-time code for the user and delivers it by `channel` when given, else by the user’s first channel ' +
    '(their delivery method, then SMS, WhatsApp, voice, email, or their own order) that has not failed them lately: ' +
    '`channel_reason` says why. The code is valid for OTP_EXPIRATION_MINUTES and works once. `otp_code` is null unless ' +
    'OTP_IN_RESPONSE is on. A failed delivery answers 502 and leaves no usable code. A request body, of any ' +
    'content type, is ignored, as the legacy service did.',
  tags: ['2FA Authentication'],
  security: [{ bearerAuth: ['otp:generate'] }],
  querystring: {
    type: 'object',
    required: ['username'],
    properties: {
      username: {
        type: 'string',
        maxLength: USERNAME_MAX_LENGTH,
        description: `The user to send a code to (at most ${String(USERNAME_MAX_LENGTH)} characters).`,
        examples: ['alice'],
      },
      channel: {
        type: 'string',
        enum: ['EMAIL', 'SMS', 'WHATSAPP', 'VOICE'],
        description: 'Send by this channel (the user must have its destination); without it, the user’s first channel that has not failed them lately.',
      },
      context: {
        type: 'string',
        minLength: 1,
        maxLength: CONTEXT_MAX_LENGTH,
        description:
          `The action the code approves (at most ${String(CONTEXT_MAX_LENGTH)} characters, one line), shown to the user in ` +
          'the email or SMS. The code is then accepted only with the same `context` on verify, and the result token ' +
          'carries `ctx` = base64url(SHA-256(context)). By SMS the message must stay one segment, so a long context is ' +
          'refused (400, nothing sent): about 85 GSM-7 characters in English.',
        examples: ['Pay 42.00 EUR to ACME GmbH'],
      },
      minimum_assurance: {
        type: 'string',
        enum: assuranceLevels,
        description:
          'The least the code must reach (docs/assurance.md): a channel below it is refused (400, nothing sent) with ' +
          '`required` and `sufficient_factors`, the user’s factors that would do.',
      },
    },
  },
  response: {
    200: {
      type: 'object',
      description: 'The code was delivered.',
      required: ['otp_code', 'expires_at'],
      properties: {
        otp_code: { type: ['string', 'null'], description: 'The code, only where OTP_IN_RESPONSE is on.' },
        expires_at: { type: 'string', format: 'date-time', description: 'When the code stops working (UTC).' },
        channel: { type: 'string', enum: ['EMAIL', 'SMS', 'WHATSAPP', 'VOICE'], description: 'Where it was sent.' },
        channel_reason: {
          type: 'string',
          enum: ['REQUESTED', 'PREFERRED', 'FALLBACK_UNDELIVERED', 'FALLBACK_NO_RECEIPT', 'ALL_FAILED'],
          description: 'Why by this channel: named by the caller, the user’s first, or a fallback (see docs/rest.md).',
        },
        fallback_from: { type: ['string', 'null'], description: 'For a fallback: the channel passed over just before this one.' },
        destination: { type: 'string', description: 'The destination, masked.' },
      },
      examples: [
        {
          otp_code: null,
          expires_at: '2026-11-23T19:11:40.469Z',
          channel: 'EMAIL',
          channel_reason: 'PREFERRED',
          fallback_from: null,
          destination: 'a***@example.com',
        },
      ],
    },
    422: validationAnswer('query', 'username'),
    ...withAssuranceRefusal(
      errorAnswers(
      {
        ...statusMeaning,
        400: 'Refused: the request is well-formed but cannot be served for this user.',
        502: 'The provider (SMTP server, Twilio) refused the message or did not answer within DELIVERY_TIMEOUT_MS: no code was issued, and a previous code stays valid.',
        503: 'The service cannot send now: no provider is configured for the channel (SMTP_SERVER, TWILIO_*), or the database is unavailable.',
      },
      'USER_NOT_FOUND',
      'NO_DELIVERY_DESTINATION',
      'CONTEXT_TOO_LONG_FOR_SMS',
      'INSUFFICIENT_ASSURANCE',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'RATE_LIMITED',
      'DELIVERY_FAILED',
      'DELIVERY_NOT_CONFIGURED',
      'DATABASE_UNAVAILABLE',
      ),
    ),
  },
} as const;

const verifySchema = {
  summary: 'Verify OTP for a user',
  description: 'Checks the code the user typed. A right code works once; each code tolerates OTP_MAX_ATTEMPTS wrong guesses.',
  tags: ['2FA Authentication'],
  security: [{ bearerAuth: ['otp:verify'] }],
  body: {
    type: 'object',
    required: ['username', 'otp_code'],
    examples: [{ username: 'alice', otp_code: '482913' }],
    properties: {
      username: { type: 'string', maxLength: USERNAME_MAX_LENGTH, description: `Whose code (at most ${String(USERNAME_MAX_LENGTH)} characters).` },
      otp_code: {
        type: ['string', 'integer'],
        maxLength: CODE_MAX_LENGTH,
        description:
          `The code the user typed (at most ${String(CODE_MAX_LENGTH)} characters); a JSON number is read as its ` +
          'digits, as the legacy service did.',
      },
      context: {
        type: 'string',
        minLength: 1,
        maxLength: CONTEXT_MAX_LENGTH,
        description:
          'The action the user is approving, exactly as given to generate: a delivered code generated with a context is ' +
          'accepted only with the same one, and one generated without only without (a mismatch counts as a wrong code). ' +
          'The result token carries `ctx` = base64url(SHA-256(context)).',
        examples: ['Pay 42.00 EUR to ACME GmbH'],
      },
      audience: {
        type: 'string',
        minLength: 1,
        maxLength: CONTEXT_MAX_LENGTH,
        description: 'The service the result token is for: it becomes the token’s `aud`, which that service checks.',
        examples: ['payments'],
      },
      minimum_assurance: {
        type: 'string',
        enum: assuranceLevels,
        description:
          'The least the proof must reach (docs/assurance.md): methods below it are not judged, and when none of the ' +
          'user’s can reach it the answer is 400 with `required` and `sufficient_factors` before any guess is taken.',
      },
      remember_device: {
        type: 'boolean',
        description: 'Remember this device after a success: the answer carries `device_token` (given once) and `device`; /auth/verify-device checks it.',
      },
      device_name: { type: 'string', minLength: 1, maxLength: 64, description: 'What to call the remembered device.' },
    },
  },
  response: {
    200: {
      type: 'object',
      description: 'The code was right and is now used up.',
      required: ['success'],
      properties: {
        success: { type: 'boolean' },
        method: {
          type: 'string',
          enum: ['otp', 'totp', 'recovery'],
          description: 'How the user proved it: a delivered code (otp), an authenticator app (totp) or a recovery code.',
        },
        token: {
          type: 'string',
          description:
            'The result token: a JWT signed under RESULT_TOKEN_ALGORITHM (ES256 by default, its public key at ' +
            '/.well-known/jwks.json), valid RESULT_TOKEN_TTL_SECONDS, with iss "fountainai-2fa", sub the username, amr the ' +
            'method, auth_time, ctx (the context’s hash) and aud when asked for; other services check it offline.',
        },
        device_token: { type: 'string', description: 'With remember_device: the device’s token, given this once.' },
        device: deviceSchema,
      },
      examples: [{ success: true, method: 'otp', token: 'eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyMyIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJmb3VudGFpbmFpLTJmYSIsInN1YiI6ImFsaWNlIiwiYW1yIjpbIm90cCJdfQ.c2lnbmF0dXJl' }],
    },
    422: validationAnswer('body', 'otp_code'),
    ...withAssuranceRefusal(
      errorAnswers(
      {
        ...statusMeaning,
        400: 'Refused: a wrong, expired or used code, a code generated for another context, no pending code, an unknown user, or second factors suspended.',
        503: 'The database is unavailable: nothing was judged or counted.',
      },
      'INVALID_CODE',
      'CONTEXT_MISMATCH',
      'CODE_ALREADY_USED',
      'CODE_EXPIRED',
      'USER_NOT_FOUND',
      'INSUFFICIENT_ASSURANCE',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'USER_LOCKED',
      'DATABASE_UNAVAILABLE',
      ),
    ),
  },
} as const;

interface OtpRoutesOptions {
  verification: VerificationService;
  otpInResponse: boolean;
}

/**
 * The legacy Python service's REST contract, unchanged for its callers: 400 with a `detail`
 * for refusals, FastAPI's 422 shape for malformed requests.
 */
export const otpRoutes: FastifyPluginAsync<OtpRoutesOptions> = async (app, { verification, otpInResponse }) => {
  // FastAPI reads a body as JSON when it has no content type or a JSON one, and hands any
  // other body to validation as it is, where it fails as "not an object" (422, loc ["body"]).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser<string>('*', { parseAs: 'string' }, (request, body, done) => {
    if (readsAsJson(request.headers['content-type'])) {
      void parseJson(request, body, done);
      return;
    }
    done(null, body === '' ? undefined : body);
  });

  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.validation) {
      const detail =
        error.validationContext === 'body' && request.body === undefined
          ? bodyMissing
          : toFastApiIssues(error.validation, error.validationContext ?? 'body');
      return reply.code(422).send({ detail });
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return reply.code(422).send({ detail: bodyMissing });
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return reply.code(422).send({ detail: jsonInvalid('malformed JSON') });
    if (isRequestError(error)) return reply.code(error.statusCode).send({ detail: error.message });
    const answer = restError(error);
    if (error instanceof InsufficientAssuranceError) {
      return reply.code(answer.status).send({ detail: answer.detail, required: error.required, sufficient_factors: error.sufficientFactors });
    }
    if (!answer.expected) request.log.error({ err: error }, 'request failed');
    if (answer.retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(answer.retryAfter))));
    return reply.code(answer.status).send({ detail: answer.detail });
  });

  // The legacy service never read a body on generate, and many clients send one anyway
  // (`Content-Type: application/json` on every request, often with an empty body): any body,
  // of any type and size, is drained unread, so it cannot change the answer.
  await app.register(async (generate) => {
    generate.removeAllContentTypeParsers();
    generate.addContentTypeParser('*', (_request, payload, done) => {
      payload.on('end', () => done(null, undefined));
      payload.on('error', (error) => done(error, undefined));
      payload.resume();
    });
    generate.post<{ Querystring: { username: string; channel?: Channel; context?: string; minimum_assurance?: AssuranceLevel } }>(
      '/generate',
      {
        schema: generateSchema,
        // Fastify refuses a malformed Content-Type (415) before any parser: without one, every body comes here.
        onRequest: async (request) => {
          delete request.headers['content-type'];
        },
        preParsing: requireScope('otp:generate'),
      },
      async (request) => {
        const { username, channel, context, minimum_assurance: minimumAssurance } = request.query;
        authorizeFor(request.callContext, 'otp:generate', username);
        const generated = await verification.generate(username, request.callContext, { channel, actionContext: context, minimumAssurance });
        return {
          otp_code: otpInResponse ? generated.code : null,
          expires_at: generated.expiresAt.toISOString(),
          channel: generated.channel,
          channel_reason: generated.channelReason,
          fallback_from: generated.fallbackFrom,
          destination: generated.destination,
        };
      },
    );
  });

  app.post<{
    Body: {
      username: string;
      otp_code: string | number;
      context?: string;
      audience?: string;
      minimum_assurance?: AssuranceLevel;
      remember_device?: boolean;
      device_name?: string;
    };
  }>(
    '/verify',
    { schema: verifySchema, preParsing: requireScope('otp:verify') },
    async (request) => {
      const { username, otp_code: code, context, audience, minimum_assurance: minimumAssurance, remember_device: remember, device_name: name } = request.body;
      authorizeFor(request.callContext, 'otp:verify', username);
      const verified = await verification.verify(username, String(code), request.callContext, {
        actionContext: context,
        audience,
        minimumAssurance,
        rememberDevice: remember ? { name } : undefined,
      });
      const device = verified.device && verified.deviceToken ? { device_token: verified.deviceToken, device: deviceAnswer(verified.device) } : {};
      return { success: true, method: verified.method, token: verified.token, ...device };
    },
  );
};

/**
 * Refuses a caller without `scope`: 401 without a valid token (with the WWW-Authenticate
 * challenge of RFC 6750), 403 with a token that lacks the scope. It runs after the per-IP limit
 * and before the body is read, so a refused caller costs no parsing and learns nothing from
 * validation. A `self` token is let on: which user it asks about is in the request, and the
 * handler checks that it is the token's own (authorizeFor).
 */
function requireScope(scope: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = request.callContext;
    if (isSelfCaller(caller)) return;
    if (!caller.authenticated && !caller.scopes.has(scope)) void reply.header('www-authenticate', 'Bearer realm="fountainai-2fa"');
    authorize(caller, scope);
  };
}

/** No content type, or application/json or application/*+json (parameters aside). */
function readsAsJson(contentType: string | undefined): boolean {
  return contentType === undefined || /^\s*application\/(?:[^;\s]*\+)?json\s*(?:;|$)/i.test(contentType);
}

/** Something Fastify itself found wrong with the request (e.g. a body too large): its own 4xx. */
function isRequestError(error: FastifyError): error is FastifyError & { statusCode: number } {
  // `code` is absent at run time on errors that are not Fastify's own
  return /^FST_ERR_/.test(error.code) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
}
