import type { CallContext } from '../auth/caller.js';

/**
 * The services resolvers call, one entry per capability. Each capability's `*.graphql.ts`
 * declares its own entry (declaration merging), so this module and the builder import no
 * capability: they stay on a low floor, below the capabilities that build on them, as the
 * context and builder of Pothos' complex-app example do.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by each capability's declaration
export interface GraphQLServices {}

/** What every resolver gets: the services, and what the request says about its caller. */
export interface GraphQLContext {
  services: GraphQLServices;
  /** the service's clock, for fields that depend on the time (a lock still running) */
  now: () => Date;
  /** who is calling: what the `authScopes` of fields and types are checked against */
  call: CallContext;
  /** whether generateOtp may return the code to the caller (OTP_IN_RESPONSE) */
  otpInResponse: boolean;
}
