import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import { errorCatalogue } from '../errors/errors.js';
import { isDatabaseUnavailable } from '../http/error-reply.js';
import type { GraphQLContext } from './builder.js';

interface GraphqlRoutesOptions {
  schema: GraphQLSchema;
  /** the per-request context, less the caller, which each request brings */
  context: Omit<GraphQLContext, 'caller'>;
  graphiql: boolean;
  /** the operation GraphiQL opens with */
  defaultQuery?: string;
}

/** GraphQL Yoga on a Fastify route: POST for clients, GraphiQL for a browser's GET. */
export const graphqlRoutes: FastifyPluginAsync<GraphqlRoutesOptions> = async (app, options) => {
  const yoga = createYoga<{ req: FastifyRequest; reply: FastifyReply }, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    context: ({ req }) => ({ ...options.context, caller: req.callContext }),
    graphiql: options.graphiql ? { title: 'FountainAI 2FA Service', defaultQuery: options.defaultQuery } : false,
    landingPage: false,
    logging: {
      debug: (...args) => app.log.debug(args.map(String).join(' ')),
      info: (...args) => app.log.info(args.map(String).join(' ')),
      warn: (...args) => app.log.warn(args.map(String).join(' ')),
      error: (...args) => app.log.error(args.map(String).join(' ')),
    },
    // Unexpected errors are masked; an unreachable database says so, with no detail.
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (isDatabaseUnavailable(original)) {
          return new GraphQLError(errorCatalogue.DATABASE_UNAVAILABLE.message, {
            extensions: { code: 'DATABASE_UNAVAILABLE', http: { status: 503 } },
          });
        }
        if (!(error instanceof GraphQLError && !error.originalError)) app.log.error({ err: original }, 'graphql resolver failed');
        return maskError(error, message, isDev);
      },
    },
  });

  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    schema: { hide: true },
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, { req: request, reply });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });
};
