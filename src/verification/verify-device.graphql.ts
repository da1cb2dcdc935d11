import {
  DeviceExpiredError,
  DeviceProofTooOldError,
  DeviceRevokedError,
  DeviceTokenInvalidError,
  InsufficientAssuranceError,
  ValidationFailedError,
} from '../errors/errors.js';
import type { Builder } from '../schema-builder/builder.js';
import { guessRefusals } from '../throttle/guess-budget.js';
import type { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import type { addOtpTypes } from './otp.graphql.js';

/** verifyDevice: a remembered device's token checked as a verify, over the same service as POST /auth/verify-device. */
export function addVerifyDeviceField(
  builder: Builder,
  {
    VerifyOtpPayload,
    AssuranceLevel,
  }: Pick<ReturnType<typeof addOtpTypes>, 'VerifyOtpPayload'> & Pick<ReturnType<typeof addAssuranceTypes>, 'AssuranceLevel'>,
) {
  builder.mutationFields((t) => ({
    verifyDevice: t.field({
      type: VerifyOtpPayload,
      description:
        'Checks a remembered device’s token (scope otp:verify) and answers like a verify: method device, and a result token ' +
        'whose `acr` and `auth_time` are those of the verification that remembered the device and which says ' +
        '`factor_presented: false` (no factor was presented now). It never carries an action `ctx`: binding an action ' +
        'needs a fresh proof. A wrong token counts as a guess towards the user’s lockout.',
      errors: {
        types: [
          ...guessRefusals,
          DeviceTokenInvalidError,
          DeviceRevokedError,
          DeviceExpiredError,
          DeviceProofTooOldError,
          InsufficientAssuranceError,
          ValidationFailedError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Whose device.' }),
        deviceToken: t.arg.string({ required: true, description: 'The token the verify that remembered the device returned.' }),
        maxAgeSeconds: t.arg.int({
          required: false,
          description: 'The longest ago the remembered verification may have been (its auth_time); older: DeviceProofTooOldError.',
        }),
        minimumAssurance: t.arg({
          type: AssuranceLevel,
          required: false,
          description: 'The least the remembered verification must have reached; below it: InsufficientAssuranceError.',
        }),
        audience: t.arg.string({ required: false, description: 'The service the result token is for: the token’s `aud`.' }),
      },
      // A user's own token checks its own devices, as it verifies its own codes.
      authScopes: (_root, args) => ({ 'otp:verify': true, selfUser: args.username }),
      resolve: (_root, args, ctx) =>
        ctx.services.verification.verifyDevice(args.username, args.deviceToken, ctx.call, {
          maxAgeSeconds: args.maxAgeSeconds ?? undefined,
          minimumAssurance: args.minimumAssurance ?? undefined,
          audience: args.audience ?? undefined,
        }),
    }),
  }));
}
