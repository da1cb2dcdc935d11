import type { GraphQLSchema } from 'graphql';
import { addAuditTypes } from '../audit/audit.graphql.js';
import type { Database } from '../db/client.js';
import { clearedWithTwoFactor } from '../services.js';
import { addErrorTypes } from './error-types.js';
import { addOtpTypes } from '../verification/otp.graphql.js';
import { addPasskeyTypes } from '../passkeys/passkeys.graphql.js';
import { addRecoveryTypes } from '../recovery/recovery.graphql.js';
import { addTotpTypes } from '../totp/totp.graphql.js';
import { addUserTypes } from '../users/users.graphql.js';
import { createUsersStore } from '../users/users.store.js';
import { createPasskeysStore } from '../passkeys/passkeys.store.js';
import { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import { addDeviceFields, addDeviceTypes } from '../devices/devices.graphql.js';
import { addVerifyDeviceField } from '../verification/verify-device.graphql.js';
import { addWebhookTypes } from '../webhooks/webhooks.graphql.js';
import { addInsightsTypes } from '../delivery/insights.graphql.js';
import { createBuilder } from '../schema-builder/builder.js';
import { addUserEntity } from './federation.js';
import { documentInputBounds } from './bounded-input.js';

/**
 * The whole GraphQL schema, one capability at a time, as an Apollo Federation v2 subgraph
 * (sorted, with `_service` and `_entities`): what `/graphql` serves to clients and gateways.
 */
export function buildSchema({ db, sql, provider }: Pick<Database, 'db' | 'sql' | 'provider'>): GraphQLSchema {
  // the few reads that are not Pothos's own (whose a row is, a federation reference) go through the stores
  const users = createUsersStore({ sql, clearedWithTwoFactor });
  const passkeys = createPasskeysStore({ sql });
  const builder = createBuilder(db, { userIdOf: users.idOf, passkeyOwnerOf: passkeys.ownerOf });
  addUserTypes(builder, db, provider);
  const assurance = addAssuranceTypes(builder);
  const deviceTypes = addDeviceTypes(builder, assurance);
  const { Channel, VerifyOtpPayload } = addOtpTypes(builder, db, { ...assurance, ...deviceTypes });
  addVerifyDeviceField(builder, { ...assurance, VerifyOtpPayload });
  addDeviceFields(builder, deviceTypes);
  addTotpTypes(builder);
  addPasskeyTypes(builder, { VerifyOtpPayload, ...assurance });
  addRecoveryTypes(builder);
  addAuditTypes(builder, db);
  addWebhookTypes(builder);
  addInsightsTypes(builder);
  addErrorTypes(builder, { Channel, ...assurance });
  addUserEntity(builder, users);
  return documentInputBounds(builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' }));
}
