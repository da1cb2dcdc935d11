import SchemaBuilder, { PothosValidationError } from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { DateTimeResolver, EmailAddressResolver, PhoneNumberResolver } from 'graphql-scalars';
import type { Db } from '../db/client.js';
import type PrismaTypes from '../db/generated/pothos-types.js';
import { getDatamodel } from '../db/generated/pothos-types.js';
import type { CallContext } from '../auth/caller.js';
import type { VerificationService } from '../verification/verification.service.js';
import type { UsersService } from '../users/users.service.js';
import type { TotpService } from '../totp/totp.service.js';
import type { RecoveryService } from '../recovery/recovery.service.js';

/** What every resolver gets: the services, and what the request says about its caller. */
export interface GraphQLContext {
  services: {
    users: UsersService;
    verification: VerificationService;
    totp: TotpService;
    recovery: RecoveryService;
  };
  /** the service's clock, for fields that depend on the time (a lock still running) */
  now: () => Date;
  /** who is calling: checked by each field with `authorize` */
  caller: CallContext;
  /** whether generateOtp may return the code to the caller (OTP_IN_RESPONSE) */
  otpInResponse: boolean;
}

export interface BuilderTypes {
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  // Fields are non-null unless they say otherwise, so clients do not null-check values that
  // are always there; an optional value is marked `nullable: true` where it is defined.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    EmailAddress: { Input: string; Output: string };
    PhoneNumber: { Input: string; Output: string };
  };
}

/**
 * Decodes a global id, `base64("<Type>:<database id>")`. Every node's database id is a positive
 * integer: any other id is refused here as invalid (a client's mistake, said so), before
 * Prisma would fail on it as an internal error.
 */
export function decodeNodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = decodeGlobalID(globalId);
  if (!/^[1-9]\d{0,15}$/.test(decoded.id) || !Number.isSafeInteger(Number(decoded.id))) {
    throw new PothosValidationError(`Invalid global ID: ${globalId}`);
  }
  return decoded;
}

/**
 * A new builder per schema build: the Prisma client is passed in, never imported, so the
 * schema can be built for any database (or none, to print it).
 */
export function createBuilder(db: Db) {
  const builder = new SchemaBuilder<BuilderTypes>({
    // ErrorsPlugin goes before PrismaPlugin, and FederationPlugin (with the DirectivesPlugin it
    // needs) after every plugin that wraps resolvers, as Pothos' docs require.
    plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
    defaultFieldNullability: false,
    prisma: { client: db, dmmf: getDatamodel(), exposeDescriptions: false, filterConnectionTotalCount: true },
    relay: {
      clientMutationId: 'omit',
      decodeGlobalID: decodeNodeGlobalId,
      cursorType: 'String',
      nodeTypeOptions: { description: 'An object with a global identifier, fetchable with `node(id:)`.' },
      idFieldOptions: { description: 'Global (Relay) identifier.' },
      nodeQueryOptions: {
        description: 'Any object by its global identifier, or null when there is none.',
        args: { id: { description: 'A global identifier, as returned in `id`.' } },
      },
      nodesQueryOptions: {
        description: 'Objects by their global identifiers, null for each one not found.',
        args: { ids: { description: 'Global identifiers, as returned in `id`.' } },
      },
      pageInfoTypeOptions: { description: 'Where a page sits in a connection, and the cursors to page on.' },
      pageInfoFieldOptions: { description: 'How to fetch the pages before and after this one.' },
      hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
      hasPreviousPageFieldOptions: { description: 'Whether items come before this page.' },
      startCursorFieldOptions: { description: 'Cursor of the first item of the page; pass it as `before`.' },
      endCursorFieldOptions: { description: 'Cursor of the last item of the page; pass it as `after`.' },
      defaultConnectionTypeOptions: { description: 'One page of a list.' },
      defaultEdgeTypeOptions: { description: 'One item of a page and its cursor.' },
      edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
      nodeFieldOptions: { nullable: false, description: 'The item.' },
      cursorFieldOptions: { description: 'Opaque position of the item, for `after` or `before`.' },
      firstArgOptions: { description: 'At most this many items after the `after` cursor.' },
      afterArgOptions: { description: 'Start after this cursor (a previous page’s `endCursor`).' },
      lastArgOptions: { description: 'At most this many items before the `before` cursor.' },
      beforeArgOptions: { description: 'End before this cursor (a later page’s `startCursor`).' },
    },
    errors: {
      directResult: true,
      defaultUnionOptions: { description: 'The result, or one of the typed errors this field can return.' },
    },
  });
  builder.addScalarType('DateTime', DateTimeResolver);
  builder.addScalarType('EmailAddress', EmailAddressResolver);
  builder.addScalarType('PhoneNumber', PhoneNumberResolver);
  builder.queryType({ description: 'Reads: users and the log of delivered codes.' });
  builder.mutationType({ description: 'Writes: users, and sending and checking one-time codes.' });
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;
