import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { createYoga, maskError, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';
import { DomainError } from '../errors/errors.js';
import { catalogueGraphQLError } from './error-types.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../http/error-reply.js';
import type { GraphQLContext } from '../schema-builder/builder.js';
import { useStorableStrings } from './storable-strings.js';
import { useBoundedInput } from './bounded-input.js';
import { graphiqlTabs, loadOperations, type KnownOperation } from './examples.js';
import { usePersistedOperations } from './persisted-operations.js';
import { createDirectExecution, sendFetchResponse, type ServerContext } from './direct-execution.js';
import { graphiqlAssetRoutes, renderGraphiQL } from './graphiql.js';
import { htmlPages } from '../http/security-headers.js';

interface GraphqlRoutesOptions {
  schema: GraphQLSchema;
  /** the per-request context, less the caller, which each request brings */
  context: Omit<GraphQLContext, 'call'>;
  /** GRAPHIQL, GRAPHQL_INTROSPECTION and PERSISTED_OPERATIONS_ONLY */
  settings: Config['graphql'];
  /** the operations GraphiQL shows and persisted mode accepts; read from schema/operations when left out */
  operations?: readonly KnownOperation[];
  /** what a new GraphiQL tab opens with */
  defaultQuery?: string;
  /** told which path answered each request: the direct one or Yoga whole (a metric counts them) */
  served?: (path: 'direct' | 'yoga') => void;
  /** more envelop plugins, run first (tracing's operation spans) */
  plugins?: Plugin[];
}

/**
 * Limits on the shape of a document, checked before it runs (graphql-armor). Sized so the
 * deepest legitimate operation (a user's logs' user: user > logs > edges > node > user >
 * username), GraphiQL's documents and a gateway's entity fetches pass with room to spare.
 */
export const documentLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  maxCost: 5000,
  maxTokens: 1000,
} as const;

/** Header a browser cannot add to a cross-site form or GET without a CORS preflight. */
export const csrfHeaders = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

/** GraphQL Yoga on a Fastify route: POST for clients, GraphiQL for a browser's GET. */
export const graphqlRoutes: FastifyPluginAsync<GraphqlRoutesOptions> = async (app, options) => {
  const { settings } = options;
  const operations = options.operations ?? loadOperations();

  const graphiql: GraphiQLOptions = {
    title: 'FountainAI 2FA Service',
    defaultQuery: options.defaultQuery,
    // The first tab runs as it is; the example operations follow, a tab per journey, ready to run.
    defaultTabs: [...(options.defaultQuery ? [{ query: options.defaultQuery }] : []), ...graphiqlTabs(operations)],
  };

  // Services with a verified token (the gateway's query plans among them) are not frontends:
  // PERSISTED_OPERATIONS_ONLY does not bind them, in Yoga's plugin or on the direct path.
  const mayRunAnyOperation = (request: FastifyRequest) => request.callContext.authenticated;

  // Unexpected errors are masked; an unreachable database says so, with no detail; an
  // expected failure thrown where no typed error is declared keeps its code and message.
  const maskGraphqlError = (error: unknown, message: string, isDev?: boolean) => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isDatabaseUnavailable(original)) {
      return catalogueGraphQLError('DATABASE_UNAVAILABLE', { headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) } });
    }
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, {
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: { code: original.code },
      });
    }
    // A GraphQLError is thrown on purpose (an invalid global id): the client's. Anything else is ours.
    if (original !== undefined && !(original instanceof GraphQLError)) app.log.error({ err: original }, 'graphql resolver failed');
    return maskError(error, message, isDev);
  };

  // The plugins this service installs, named, each with the hooks the direct path may skip
  // for it and why (direct-execution.ts); a plugin given in `options.plugins` has none.
  const given = new Map<object, { name: string; skippable?: Record<string, string> }>([
    ...(options.plugins ?? []).map((plugin, index) => [plugin, { name: `options.plugins[${String(index)}]` }] as const),
    [useStorableStrings(), { name: 'useStorableStrings' }],
    // Over-long text and over-long lists, inline or in variables, before any resolver runs.
    [useBoundedInput(), { name: 'useBoundedInput' }],
    // GET and form POSTs (the requests a browser sends cross-site without asking) need a
    // custom header; JSON POSTs are preflighted by the browser, so clients change nothing.
    [
      useCSRFPrevention({ requestHeaders: csrfHeaders }),
      { name: 'useCSRFPrevention', skippable: { onRequestParse: 'it refuses only bodies a browser sends without a preflight; the direct path takes JSON only' } },
    ],
    [
      usePersistedOperations<ServerContext>(operations, {
        only: settings.persistedOperationsOnly,
        mayRunAnyOperation: ({ req }) => mayRunAnyOperation(req),
      }),
      {
        name: 'usePersistedOperations',
        skippable: { onParams: 'the direct path leaves to Yoga every request with extensions (a hash) and every caller PERSISTED_OPERATIONS_ONLY binds' },
      },
    ],
    [
      EnvelopArmorPlugin({
        maxDepth: { n: documentLimits.maxDepth },
        maxAliases: { n: documentLimits.maxAliases },
        maxDirectives: { n: documentLimits.maxDirectives },
        costLimit: { maxCost: documentLimits.maxCost },
        maxTokens: { n: documentLimits.maxTokens },
        // "Did you mean ...?" would reveal the schema that disabled introspection hides.
        blockFieldSuggestion: { enabled: !settings.introspection },
      }),
      { name: 'EnvelopArmorPlugin' },
    ],
    ...(settings.introspection ? [] : [[useNoIntrospection(), { name: 'useNoIntrospection' }] as const]),
  ]);

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    context: ({ req }) => ({ ...options.context, call: req.callContext }),
    graphiql: settings.graphiql ? graphiql : false,
    // GraphiQL bundled in the package (Yoga's default page pulls its scripts from a CDN, which
    // locked-down networks cannot reach), its files served compressed and cached (graphiql.ts).
    renderGraphiQL,
    landingPage: false,
    // Cross-origin pages only from CORS_ORIGINS: Yoga's default answers every origin, with
    // credentials allowed. No CORS_ORIGINS, no CORS headers: same-origin pages and servers only.
    cors: settings.corsOrigins.length > 0 ? { origin: [...settings.corsOrigins], methods: ['GET', 'POST'], credentials: false, maxAge: 600 } : false,
    // No uploads here, and Fastify, which has no multipart parser, answers 415 before Yoga.
    multipart: false,
    plugins: [...given.keys()],
    logging: {
      debug: (...args) => app.log.debug(args.map(String).join(' ')),
      info: (...args) => app.log.info(args.map(String).join(' ')),
      warn: (...args) => app.log.warn(args.map(String).join(' ')),
      error: (...args) => app.log.error(args.map(String).join(' ')),
    },
    maskedErrors: { maskError: maskGraphqlError },
  });

  const direct = createDirectExecution(yoga, {
    mustBePersisted: (request) => settings.persistedOperationsOnly && !mayRunAnyOperation(request),
    maskError: (error) => maskGraphqlError(error, 'Unexpected error.'),
    given,
    warn: (message) => app.log.warn(message),
  });

  if (settings.graphiql) await app.register(graphiqlAssetRoutes);

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await direct(request, reply)) {
      options.served?.('direct');
      return reply;
    }
    options.served?.('yoga');
    await sendFetchResponse(reply, await yoga.handleNodeRequestAndResponse(request, reply, { req: request, reply }));
    return reply;
  };
  // A browser's GET is where GraphiQL's page is answered: helmet's full set there; clients' POSTs
  // (the hot path) get only what every answer gets.
  await htmlPages(app, async (pages) => {
    pages.route({ url: yoga.graphqlEndpoint, method: 'GET', schema: { hide: true }, handler });
  });
  app.route({ url: yoga.graphqlEndpoint, method: ['POST', 'OPTIONS'], schema: { hide: true }, handler });
};

/** Refuses `__schema` and `__type` (`__typename` still works): GRAPHQL_INTROSPECTION=false. */
function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
