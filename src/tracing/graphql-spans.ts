import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { getOperationAST, type ExecutionResult } from 'graphql';
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
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      const name = operation?.name?.value;
      setExecuteFn(async (executeArgs) => {
        const span = tracer.startSpan(name ? `${type} ${name}` : type, {
          attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
        });
        try {
          const result = (await context.with(trace.setSpan(context.active(), span), () => executeFn(executeArgs))) as ExecutionResult;
          const codes = (result.errors ?? []).map((error) => error.extensions.code).filter((code): code is string => typeof code === 'string');
          if (result.errors?.length) {
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
