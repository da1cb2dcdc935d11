import { Kind, parse, print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { catalogueGraphQLError } from './error-types.js';
import { operationHash, type KnownOperation } from './examples.js';

export interface PersistedOperationsOptions<TServerContext> {
  /** refuse every operation that is not a known one (PERSISTED_OPERATIONS_ONLY) */
  only: boolean;
  /** who may still send any operation in `only` mode: the gateway's query plans are not known ones */
  mayRunAnyOperation: (context: TServerContext) => boolean;
}

/**
 * Known operations by hash and by text. A client names one either way:
 * - by hash: `extensions: { persistedQuery: { version: 1, sha256Hash } }` (Apollo's persisted
 *   queries format), the SHA-256 hex of the document as graphql-js `print()`s it, with or
 *   without `query`;
 * - by text: `query` holding the same document (compared after `print()`, so comments and
 *   layout do not matter).
 * Hashes always work; with `only`, anything else is refused before it is parsed or validated.
 */
export function usePersistedOperations<TServerContext extends Record<string, unknown>>(
  operations: readonly KnownOperation[],
  options: PersistedOperationsOptions<TServerContext>,
): Plugin<Record<string, unknown>, TServerContext> {
  const byHash = new Map(operations.map((operation) => [operation.sha256Hash, operation]));
  // Longer text cannot be known operations: no need to parse it to say so.
  // (several known operations together: as long as all of them, and the lines between)
  const longestSource = operations.reduce((sum, operation) => sum + Math.max(operation.source.length, operation.document.length) + 2, 0);

  // Texts already found to be known ones, as clients send them: a frontend sends the same few
  // texts over and over, and parse + print + hash cost more than the rest of a verifyOtp.
  // Bounded by what clients send (known operations in any layout); unknown texts are not kept.
  const knownTexts = new Set<string>();
  const isKnownText = (query: string) => {
    if (knownTexts.has(query)) return true;
    if (query.length > longestSource) return false;
    try {
      // A document of several known operations (a GraphiQL tab: graphiqlTabs) is known too.
      const { definitions } = parse(query, { noLocation: true });
      const known = definitions.every((definition) => byHash.has(operationHash(print({ kind: Kind.DOCUMENT, definitions: [definition] }))));
      if (known && knownTexts.size < MAX_REMEMBERED_TEXTS) knownTexts.add(query);
      return known;
    } catch {
      return false;
    }
  };

  return {
    onParams({ params, setParams, context }) {
      const hash = persistedQueryHash(params.extensions);
      if (hash !== undefined) {
        const known = byHash.get(hash);
        if (!known) {
          // The message Apollo clients look for before they retry with the full text.
          throw catalogueGraphQLError('PERSISTED_QUERY_NOT_FOUND');
        }
        setParams({ ...params, query: known.document });
        return;
      }
      if (!options.only || options.mayRunAnyOperation(context)) return;
      if (typeof params.query === 'string' && isKnownText(params.query)) return;
      throw catalogueGraphQLError('PERSISTED_QUERY_ONLY');
    },
  };
}

/** How many layouts of the known operations are remembered; past it, they are parsed each time. */
const MAX_REMEMBERED_TEXTS = 1_000;

function persistedQueryHash(extensions: Record<string, unknown> | undefined): string | undefined {
  const persistedQuery = extensions?.persistedQuery;
  if (typeof persistedQuery !== 'object' || persistedQuery === null) return undefined;
  const { version, sha256Hash } = persistedQuery as { version?: unknown; sha256Hash?: unknown };
  return version === 1 && typeof sha256Hash === 'string' ? sha256Hash : undefined;
}
