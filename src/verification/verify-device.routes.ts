import type { FastifyPluginAsync } from 'fastify';
import { authorize, authorizeFor, isSelfCaller } from '../auth/caller.js';
import { errorAnswers } from '../http/schemas.js';
import { CONTEXT_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../limits/input-limits.js';
import { assuranceLevels, type AssuranceLevel } from '../vocabulary/assurance.js';
import type { VerificationService } from './verification.service.js';
import type { RememberedDevice } from '../devices/devices.store.js';

/** A remembered device as REST shows it: never its token. */
export const deviceSchema = {
  type: 'object',
  required: ['id', 'name', 'expires_at'],
  properties: {
    id: { type: 'string', description: 'The device’s id (GraphQL RememberedDevice.id, for revokeDevice).' },
    name: { type: 'string' },
    assurance: { type: 'string', enum: assuranceLevels, description: 'The level of the verification that remembered it.' },
    auth_time: { type: 'string', format: 'date-time', description: 'When that verification’s factor was presented.' },
    expires_at: { type: 'string', format: 'date-time' },
  },
} as const;

export function deviceAnswer(device: RememberedDevice) {
  return {
    id: String(device.id),
    name: device.name,
    assurance: device.assurance,
    auth_time: device.authTime.toISOString(),
    expires_at: device.expiresAt.toISOString(),
  };
}

const verifyDeviceSchema = {
  summary: 'Check a remembered device',
  description:
    'Checks the token a verify with `remember_device` returned, and answers like /auth/verify with method `device`: the result ' +
    'token’s `acr` and `auth_time` are those of the verification that remembered the device, and `factor_presented` is ' +
    'false (no factor was presented now). It never carries `ctx`: an action needs a fresh proof. A wrong token counts as ' +
    'a guess towards the user’s lockout; a revoked, expired or too old one is refused (400).',
  tags: ['2FA Authentication'],
  security: [{ bearerAuth: ['otp:verify'] }],
  body: {
    type: 'object',
    required: ['username', 'device_token'],
    additionalProperties: false,
    properties: {
      username: { type: 'string', maxLength: USERNAME_MAX_LENGTH },
      device_token: { type: 'string', maxLength: 128, description: 'The token remember_device returned.' },
      max_age_seconds: { type: 'integer', minimum: 0, description: 'The longest ago the remembered verification may have been (its auth_time).' },
      minimum_assurance: { type: 'string', enum: assuranceLevels, description: 'The least that verification must have reached.' },
      audience: { type: 'string', minLength: 1, maxLength: CONTEXT_MAX_LENGTH, description: 'The result token’s `aud`.' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['success', 'method', 'token'],
      properties: {
        success: { type: 'boolean' },
        method: { type: 'string', enum: ['device'] },
        token: { type: 'string', description: 'The result token (docs/assurance.md).' },
        device: deviceSchema,
      },
    },
    ...errorAnswers(
      {
        400: 'Refused: not one of the user’s devices (a guess), revoked, expired, older than max_age_seconds, below minimum_assurance, an unknown user, second factors off or suspended.',
        401: 'No valid bearer token.',
        403: 'The bearer token does not grant otp:verify.',
        429: 'Too many failed verifications; the user is locked for a while.',
      },
      'DEVICE_TOKEN_INVALID',
      'DEVICE_REVOKED',
      'DEVICE_EXPIRED',
      'DEVICE_PROOF_TOO_OLD',
      'INSUFFICIENT_ASSURANCE',
      'USER_NOT_FOUND',
      'TWO_FACTOR_DISABLED',
      'TWO_FACTOR_SUSPENDED',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'USER_LOCKED',
    ),
  },
} as const;

/** POST /auth/verify-device: the REST side of verifyDevice, over the same service. */
export const deviceRoutes: FastifyPluginAsync<{ verification: VerificationService }> = async (app, { verification }) => {
  app.post<{ Body: { username: string; device_token: string; max_age_seconds?: number; minimum_assurance?: AssuranceLevel; audience?: string } }>(
    '/verify-device',
    {
      schema: verifyDeviceSchema,
      // the scope before the body is read, as the legacy routes do; a `self` token's user is
      // in the body, checked by the handler
      preValidation: async (request) => {
        if (!isSelfCaller(request.callContext)) authorize(request.callContext, 'otp:verify');
      },
    },
    async (request) => {
      const { username, device_token: token, max_age_seconds: maxAgeSeconds, minimum_assurance: minimumAssurance, audience } = request.body;
      authorizeFor(request.callContext, 'otp:verify', username);
      const verified = await verification.verifyDevice(username, token, request.callContext, { maxAgeSeconds, minimumAssurance, audience });
      return { success: true, method: verified.method, token: verified.token, ...(verified.device ? { device: deviceAnswer(verified.device) } : {}) };
    },
  );
};
