import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { getOperationAST, Kind, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { failed } from './span-context.js';

/**
 * A span per GraphQL operation, around its execution (the resolvers and their statements are
 * its children): `mutation verifyOtp`, with the operation's type and name. The variables, where
 * usernames and codes travel, are never read. Both paths run through it: Yoga's and the direct
 * one, which executes on Yoga's envelop.
 */
export function graphqlOperationSpans(tracer: Tracer): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      // (envelop types these as any)
      const document: unknown = args.document;
      const operationName: unknown = args.operationName;
      const operation = isDocument(document) ? getOperationAST(document, typeof operationName === 'string' ? operationName : undefined) : null;
      const type = operation?.operation ?? 'unknown';
      const name = operation?.name?.value;
      setExecuteFn(async (executeArgs) => {
        const span = tracer.startSpan(name ? `${type} ${name}` : type, {
          attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
        });
        try {
          const result: unknown = await context.with(trace.setSpan(context.active(), span), (): unknown => executeFn(executeArgs));
          const errors = errorsOf(result);
          const codes = errors.map((error) => error.extensions.code).filter((code): code is string => typeof code === 'string');
          if (errors.length > 0) {
            span.setAttribute('graphql.error.codes', codes);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return result;
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  };
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === Kind.DOCUMENT;
}

/** A single result's errors (an incremental result has none to read here). */
function errorsOf(result: unknown): readonly GraphQLError[] {
  if (typeof result !== 'object' || result === null || !('errors' in result) || !Array.isArray(result.errors)) return [];
  return result.errors as GraphQLError[];
}
