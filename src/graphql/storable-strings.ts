import { Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isStorableText } from '../db/storable-text.js';
import { catalogueGraphQLError } from './error-types.js';

/**
 * String literals written into a GraphQL document (`user(username: "a\u0000b")`) escape the
 * HTTP-level check of variables; this refuses them at validation, before any resolver runs.
 */
export function useStorableStrings(): Plugin {
  // Yoga's parser cache hands back the same document object for the same text: check it once.
  const checked = new WeakMap<DocumentNode, boolean>();
  const unstorable = (document: DocumentNode) => {
    let found = checked.get(document);
    if (found === undefined) {
      found = hasUnstorableLiteral(document);
      checked.set(document, found);
    }
    return found;
  };
  return {
    onValidate({ params, setResult }) {
      const document: unknown = params.documentAST;
      if (isDocument(document) && unstorable(document)) {
        setResult([
          catalogueGraphQLError('BAD_USER_INPUT'),
        ]);
      }
    },
  };
}

function hasUnstorableLiteral(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING](node) {
      if (!isStorableText(node.value)) found = true;
    },
  });
  return found;
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === Kind.DOCUMENT;
}
