import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver, EmailAddressResolver, PhoneNumberResolver } from 'graphql-scalars';
import type { Db } from '../db/client.js';
import type PrismaTypes from '../db/generated/pothos-types.js';
import { getDatamodel } from '../db/generated/pothos-types.js';
import type { OtpService } from '../otp/otp.service.js';
import type { UsersService } from '../users/users.service.js';

/** What every resolver gets: the services, and what the request says about its caller. */
export interface GraphQLContext {
  services: {
    otp: OtpService;
    users: UsersService;
  };
  /** whether generateOtp may return the code to the caller (OTP_IN_RESPONSE) */
  otpInResponse: boolean;
}

export interface BuilderTypes {
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    EmailAddress: { Input: string; Output: string };
    PhoneNumber: { Input: string; Output: string };
  };
}

/**
 * A new builder per schema build: the Prisma client is passed in, never imported, so the
 * schema can be built for any database (or none, to print it).
 */
export function createBuilder(db: Db) {
  const builder = new SchemaBuilder<BuilderTypes>({
    // ErrorsPlugin goes before PrismaPlugin, as Pothos' docs require.
    plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin],
    prisma: { client: db, dmmf: getDatamodel(), exposeDescriptions: false, filterConnectionTotalCount: true },
    relay: { clientMutationId: 'omit', cursorType: 'String' },
    errors: { directResult: true },
  });
  builder.addScalarType('DateTime', DateTimeResolver);
  builder.addScalarType('EmailAddress', EmailAddressResolver);
  builder.addScalarType('PhoneNumber', PhoneNumberResolver);
  builder.queryType({ description: 'Reads: users and the log of delivered codes.' });
  builder.mutationType({ description: 'Writes: users, and sending and checking one-time codes.' });
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;
