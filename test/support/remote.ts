import { print } from 'graphql';
import { CreateUserDocument } from '../generated/graphql.js';
import { DEFAULT_EMAIL } from './flows.js';
import { uniqueName } from './app.js';

/**
 * The steps of flows.ts over real HTTP, for a service running as a process: each answer is
 * read whole (status, headers, JSON body or the text when it is not JSON) and never throws
 * for a status, only when the connection itself fails.
 */
export interface RemoteAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = unknown>(baseUrl: string, path: string, init: RequestInit = {}): Promise<RemoteAnswer<T>> {
  const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(20_000), ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text stands as the body
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export function remoteGenerate(baseUrl: string, username: string) {
  return call<{ otp_code?: string | null; expires_at?: string; detail?: unknown }>(
    baseUrl,
    `/auth/generate?username=${encodeURIComponent(username)}`,
    { method: 'POST' },
  );
}

export function remoteVerify(baseUrl: string, username: string, code: string) {
  return call<{ success?: boolean; detail?: unknown }>(baseUrl, '/auth/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, otp_code: code }),
  });
}

/** A GraphQL answer: each top-level field's value under `data`, as JSON. */
export interface GraphqlAnswerBody {
  data?: Record<string, { __typename?: string } | null> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export function remoteGraphql(baseUrl: string, query: string, variables?: Record<string, unknown>) {
  return call<GraphqlAnswerBody>(baseUrl, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
}

/** Creates a user through GraphQL `createUser` on a running service; throws unless a User comes back. */
export async function remoteCreateUser(baseUrl: string, username = uniqueName()): Promise<string> {
  const answer = await remoteGraphql(baseUrl, print(CreateUserDocument), {
    input: { username, email: DEFAULT_EMAIL },
  });
  if (answer.status !== 200 || answer.body.data?.createUser?.__typename !== 'User') {
    throw new Error(`createUser failed: ${answer.status} ${answer.text}`);
  }
  return username;
}

/** Has a code sent on a running service (OTP_IN_RESPONSE on) and returns it; throws unless a 200 with a code. */
export async function remoteRequestCode(baseUrl: string, username: string): Promise<string> {
  const answer = await remoteGenerate(baseUrl, username);
  const code = answer.body.otp_code;
  if (answer.status !== 200 || typeof code !== 'string' || !/^\d{6}$/.test(code)) {
    throw new Error(`generate failed: ${answer.status} ${answer.text}`);
  }
  return code;
}
