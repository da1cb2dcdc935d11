import type { TypedDocumentString } from '../generated/graphql.js';

/** Where and as whom the elements call the service. */
export interface Endpoint {
  url: string;
  token: string;
}

/** The service could not be asked, or answered outside the schema's typed errors. */
export class RequestFailed extends Error {
  constructor(readonly reason: 'network' | 'unauthenticated' | 'forbidden' | 'service') {
    super(reason);
  }
}

interface Answer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * Runs one of the typed operations (schema/operations, generated into web/generated). The
 * expected failures come back as the operation's own error types (`__typename`); only what the
 * schema does not type (no token, a refused scope, a fault) throws.
 */
export async function execute<Result, Variables>(
  endpoint: Endpoint,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new RequestFailed('network');
  }
  const answer = (await response.json().catch(() => ({}))) as Answer<Result>;
  const code = answer.errors?.[0]?.extensions?.code;
  if (response.status === 401 || code === 'UNAUTHENTICATED') throw new RequestFailed('unauthenticated');
  if (code === 'FORBIDDEN') throw new RequestFailed('forbidden');
  if (!answer.data || answer.errors?.length) throw new RequestFailed('service');
  return answer.data;
}
