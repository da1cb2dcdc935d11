import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { SignJWT, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { TEST_SECRET, type TestApp } from './app.js';

/**
 * Calling services as the service sees them: bearer JWTs signed with the test SECRET_KEY, and
 * GraphQL and REST requests that carry them.
 */

export const ALL_SCOPES = 'otp:generate otp:verify users:read users:write logs:read webhooks:read webhooks:write';

export interface CallerTokenOptions {
  /** the calling service; `null` leaves `sub` out */
  sub?: string | null;
  /** space-separated scopes; `null` leaves `scope` out. Every scope unless given. */
  scope?: string | null;
  alg?: 'HS256' | 'HS384' | 'HS512';
  secret?: string;
  /** seconds from now (negative: in the past); `null` leaves `exp` out. 3600 unless given. */
  expiresIn?: number | null;
  /** seconds from now for `iat`; `null` leaves it out. 0 (now) unless given. */
  issuedIn?: number | null;
  /** seconds from now for `nbf`; left out unless given */
  notBeforeIn?: number;
  /** further claims, e.g. `iss` */
  claims?: JWTPayload;
}

/** A caller's bearer token as a FountainAI service would mint it, by default valid with every scope. */
export async function callerToken(options: CallerTokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { sub = 'test-service', scope = ALL_SCOPES, expiresIn = 3600, issuedIn = 0 } = options;
  const jwt = new SignJWT({ ...options.claims, ...(scope === null ? {} : { scope }) }).setProtectedHeader({
    alg: options.alg ?? 'HS256',
    typ: 'JWT',
  });
  if (sub !== null) jwt.setSubject(sub);
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (issuedIn !== null) jwt.setIssuedAt(now + issuedIn);
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** `{ authorization: 'Bearer <token>' }`, or no header at all for `undefined`. */
export function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

export interface GraphQLAnswer {
  statusCode: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** POSTs GraphQL text to /graphql with the given headers (from 127.0.0.1 unless told) and returns the answer as it is. */
export async function graphqlAs(
  app: TestApp,
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
  remoteAddress?: string,
): Promise<GraphQLAnswer> {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
    payload: { query, variables },
  });
  return { statusCode: response.statusCode, body: response.json<GraphQLAnswer['body']>() };
}

/** Runs a typed document with the given headers; any GraphQL error fails the test with the whole answer. */
export async function executeAs<TResult, TVariables extends Record<string, unknown>>(
  app: TestApp,
  headers: Record<string, string>,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const { statusCode, body } = await graphqlAs(app, headers, print(document), variables);
  expect(body.errors, JSON.stringify(body, null, 2)).toBeUndefined();
  expect(statusCode, JSON.stringify(body, null, 2)).toBe(200);
  return body.data as TResult;
}
