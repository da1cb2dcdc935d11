import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/**
 * Runs a typed GraphQL document through `/graphql` and returns its typed `data`. Any
 * GraphQL error fails the test with the whole response printed.
 */
export async function execute<TResult, TVariables>(
  app: TestApp,
  document: TypedDocumentNode<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json' },
    payload: { query: print(document), variables },
  });
  const body = response.json<{ data?: TResult; errors?: unknown[] }>();
  expect(body.errors, JSON.stringify(body, null, 2)).toBeUndefined();
  expect(response.statusCode, JSON.stringify(body, null, 2)).toBe(200);
  return body.data as TResult;
}

/** Sends raw GraphQL text when a test needs the response as it is (errors included). */
export async function executeRaw(app: TestApp, query: string, variables?: Record<string, unknown>) {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json' },
    payload: { query, variables },
  });
  return { statusCode: response.statusCode, body: response.json<{ data?: Record<string, unknown>; errors?: { message: string; extensions?: Record<string, unknown> }[] }>() };
}

/** Narrows a result union to one member by `__typename`, failing with the whole value otherwise. */
export function expectType<T extends { __typename: string }, N extends T['__typename']>(
  value: T,
  typename: N,
): Extract<T, { __typename: N }> {
  const matches = (v: T): v is Extract<T, { __typename: N }> => v.__typename === typename;
  if (!matches(value)) throw new Error(`expected ${typename}, got ${JSON.stringify(value, null, 2)}`);
  return value;
}
