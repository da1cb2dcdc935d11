import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import type { Database } from '../db/client.js';
import { addErrorTypes } from '../errors/errors.graphql.js';
import { addOtpTypes } from '../otp/otp.graphql.js';
import { addUserTypes } from '../users/users.graphql.js';
import { createBuilder } from './builder.js';

/** The whole GraphQL schema, one capability at a time. */
export function buildSchema({ db, provider }: Pick<Database, 'db' | 'provider'>): GraphQLSchema {
  const builder = createBuilder(db);
  addUserTypes(builder, db, provider);
  const { Channel } = addOtpTypes(builder, db);
  addErrorTypes(builder, { Channel });
  return lexicographicSortSchema(builder.toSchema());
}
