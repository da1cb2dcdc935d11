import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import type { Db } from '../db/client.js';
import { addErrorTypes } from '../errors/errors.graphql.js';
import { addOtpTypes } from '../otp/otp.graphql.js';
import { addUserTypes } from '../users/users.graphql.js';
import { createBuilder } from './builder.js';

/** The whole GraphQL schema, one capability at a time. */
export function buildSchema(db: Db): GraphQLSchema {
  const builder = createBuilder(db);
  addErrorTypes(builder);
  addUserTypes(builder, db);
  addOtpTypes(builder, db);
  return lexicographicSortSchema(builder.toSchema());
}
