import { FreshVerificationRequiredError, UserNotFoundError } from '../errors/errors.js';
import type { Builder } from '../schema-builder/builder.js';
import type { RecoveryCodes, RecoveryService } from './recovery.service.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    recovery: RecoveryService;
  }
}

/** Recovery codes: the way in for a user who lost their authenticator app. */
export function addRecoveryTypes(builder: Builder) {
  const RecoveryCodesRef = builder.objectRef<RecoveryCodes>('RecoveryCodes').implement({
    description:
      'A new set of single-use recovery codes. Shown once: the service keeps only keyed hashes, so a lost ' +
      'set can only be replaced.',
    fields: (t) => ({
      codes: t.exposeStringList('codes', {
        description: 'The codes, e.g. 7k2qd-m9xrt; verify accepts each once, in place of a one-time code.',
      }),
    }),
  });

  builder.mutationFields((t) => ({
    generateRecoveryCodes: t.field({
      type: RecoveryCodesRef,
      description: 'Makes a new set of recovery codes for the user (scope users:write); every earlier code stops working.',
      errors: { types: [UserNotFoundError, FreshVerificationRequiredError] },
      args: { username: t.arg.string({ required: true, description: 'Whose codes.' }) },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_root, args, ctx) => ctx.services.recovery.generate(args.username, ctx.call),
    }),
  }));
}
