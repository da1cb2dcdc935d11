import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOperationAST, GraphQLError, OperationTypeNode, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../schema-builder/builder.js';

/** One operation, as a JSON POST carries it. */
export interface DirectParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** What a service's client sends as Accept: Yoga answers each of them with application/json. */
const jsonAccepts = new Set([undefined, '*/*', 'application/json', 'application/json, */*']);
const jsonContentType = /^application\/json\s*(?:;|$)/i;
const paramNames = new Set(['query', 'variables', 'operationName']);

/**
 * The request shape the direct path takes, or undefined for anything else: a POST with a JSON
 * body holding one operation (`query`, with `variables` and `operationName` if any, nothing
 * else), an Accept that Yoga answers with plain JSON, and no Origin header (browsers' requests
 * keep Yoga's CORS handling whole).
 */
export function directParams(request: FastifyRequest): DirectParams | undefined {
  const { headers, body } = request;
  if (request.method !== 'POST' || headers.origin !== undefined || !jsonAccepts.has(headers.accept)) return undefined;
  if (!jsonContentType.test(headers['content-type'] ?? '') || !isPlainObject(body)) return undefined;
  for (const key of Object.keys(body)) if (!paramNames.has(key)) return undefined;
  const { query, variables, operationName } = body;
  if (typeof query !== 'string') return undefined;
  if (variables != null && !isPlainObject(variables)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  return { query, variables, operationName };
}

/** What Yoga is given beside each request: Fastify's request and reply. */
export type ServerContext = { req: FastifyRequest; reply: FastifyReply };

export interface DirectExecutionOptions {
  /** whether this caller must go through Yoga's persisted-operations check (PERSISTED_OPERATIONS_ONLY) */
  mustBePersisted: (request: FastifyRequest) => boolean;
  /** the masking Yoga applies to an error thrown outside the resolvers */
  maskError: (error: unknown) => Error;
  /**
   * The plugins the service gave Yoga, by name, each with the hooks of its own that the direct
   * path may skip and why; every other plugin in Yoga's list is Yoga's own (yogasOwnHooks).
   */
  given: ReadonlyMap<object, { name: string; skippable?: Readonly<Record<string, string>> }>;
  /** told once, at start-up, when a plugin keeps the direct path off */
  warn: (message: string) => void;
}

/**
 * The hooks the direct path runs: envelop's, through `getEnveloped` (and onYogaInit, run as Yoga
 * was built; subscriptions never take the direct path). Any other hook belongs to Yoga's HTTP
 * layer (onRequest, onRequestParse, onParams, onExecutionResult, onResultProcess, onResponse),
 * which the direct path does not run.
 */
const hooksRun = new Set(['onPluginInit', 'onEnveloped', 'onSchemaChange', 'onContextBuilding', 'onParse', 'onValidate', 'onExecute', 'onSubscribe', 'onYogaInit']);
/** Likewise for instrumentation: envelop's phases run, Yoga's (request, requestParse, operation, resultProcess) do not. */
const instrumentationRun = new Set(['init', 'parse', 'validate', 'context', 'execute', 'subscribe']);

/**
 * The hooks of Yoga's own plugins (those it adds to the list itself) that the direct path skips,
 * each with the plugins that have it and why skipping it is harmless for the one request shape
 * the direct path takes (`directParams`): a JSON POST of one operation to /graphql, no Origin,
 * answered as JSON. A hook of Yoga's own that is not here (a new Yoga) keeps the direct path off.
 */
export const yogasOwnHooks: Readonly<Record<string, string>> = {
  onRequest:
    'useHealthCheck, useGraphiQL, useUnhandledRoute and useCORS answer other paths, GETs, OPTIONS and requests with an Origin, all left to Yoga',
  onRequestParse:
    'the request parsers, useCheckMethodForGraphQL, useLimitRequestBodySize and useLimitBatching: Fastify has parsed the JSON body within its bodyLimit, and directParams takes one operation in a POST',
  onParams: 'useCheckGraphQLQueryParams: directParams takes only query, variables and operationName, each of its type',
  onResultProcess:
    "useResultProcessors: a service's Accept is answered with JSON, as Yoga's JSON processor does (processRegularResult where there are errors)",
  onResponse: 'useCORS: a request with an Origin is left to Yoga',
};

/** The hooks of one plugin that the direct path does not run. */
export function skippedHooks(plugin: object): string[] {
  const skipped = Object.entries(plugin)
    .filter(([key, value]) => typeof value === 'function' && !hooksRun.has(key))
    .map(([key]) => key);
  const instrumentation: unknown = Reflect.get(plugin, 'instrumentation');
  if (typeof instrumentation === 'object' && instrumentation !== null) {
    skipped.push(...Object.keys(instrumentation).filter((phase) => !instrumentationRun.has(phase)).map((phase) => `instrumentation.${phase}`));
  }
  return skipped;
}

/**
 * Each plugin installed in Yoga (`installed`, the list Yoga was built with, its own plugins
 * included) with a hook the direct path skips and no reason it may: what keeps the direct
 * path off, since that plugin would silently not run for services' requests.
 */
export function hooksKeepingDirectPathOff(installed: unknown, given: DirectExecutionOptions['given']): { plugin: string; hook: string }[] {
  if (!Array.isArray(installed)) return [{ plugin: "Yoga's plugin list", hook: 'unreadable' }];
  return installed.flatMap((plugin: unknown, index) => {
    if (typeof plugin !== 'object' || plugin === null) return [];
    const ours = given.get(plugin);
    const skippable = ours ? (ours.skippable ?? {}) : yogasOwnHooks;
    const name = ours?.name ?? `Yoga's own plugin #${String(index)}`;
    return skippedHooks(plugin)
      .filter((hook) => skippable[hook] === undefined)
      .map((hook) => ({ plugin: name, hook }));
  });
}

/**
 * Runs the plain requests services send on the envelop instance Yoga built, with the same
 * plugins (parser and validation caches, armor's limits, the introspection rule, masked errors,
 * the context), without Yoga's fetch-API layer: Request and Response objects, header copies and
 * promise helpers cost half the CPU of a small operation. Answers true when it answered.
 *
 * Everything else is left to Yoga whole, which answers exactly as before: GET and GraphiQL,
 * batches, persisted-query hashes (`extensions`), browsers (CORS, CSRF), persisted-only callers,
 * subscriptions, and a document that does not parse, validate or name one operation (no resolver
 * has run by then, so Yoga may start again). A result with errors is shaped by Yoga's own result
 * processor, statuses (`extensions.http`) included.
 */
export function createDirectExecution(yoga: YogaServerInstance<ServerContext, GraphQLContext>, options: DirectExecutionOptions) {
  // (Yoga keeps the list it was built with, its own plugins included, in a protected field)
  const blockers = hooksKeepingDirectPathOff(Reflect.get(yoga, 'plugins'), options.given);
  for (const { plugin, hook } of blockers) {
    options.warn(`graphql: the direct path is off, every request goes through Yoga: plugin ${plugin} has ${hook}, which it would not run`);
  }
  const off = blockers.length > 0;
  return async function execute(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (off) return false;
    const params = directParams(request);
    if (!params || options.mustBePersisted(request)) return false;
    const enveloped = yoga.getEnveloped({ req: request, reply, params });
    const schema = enveloped.schema as GraphQLSchema;
    let document: DocumentNode;
    try {
      document = enveloped.parse(params.query) as DocumentNode;
      // (armor's limits throw from validation rather than return their errors)
      if ((enveloped.validate(schema, document) as readonly GraphQLError[]).length > 0) return false;
    } catch {
      return false;
    }
    // No operation to run (several, and none named), or a subscription: Yoga says what is wrong.
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return false;

    let result: ExecutionResult;
    try {
      const contextValue: unknown = await enveloped.contextFactory();
      result = (await enveloped.execute({
        schema,
        document,
        contextValue,
        variableValues: params.variables,
        operationName: params.operationName,
      })) as ExecutionResult;
    } catch (error) {
      // (graphql-js catches what resolvers throw: this is a fault of the machinery itself)
      const masked = options.maskError(error);
      result = { errors: [masked instanceof GraphQLError ? masked : new GraphQLError(masked.message)] };
    }
    if (!result.errors?.length) {
      reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(result));
    } else {
      await sendFetchResponse(reply, processRegularResult(result, yoga.fetchAPI, 'application/json'));
    }
    return true;
  };
}

/** Sends a fetch-API Response through Fastify: a JSON one as a string (one write, with a Content-Length). */
export async function sendFetchResponse(reply: FastifyReply, response: Response): Promise<void> {
  response.headers.forEach((value, key) => {
    reply.header(key, value);
  });
  reply.status(response.status);
  const type = response.headers.get('content-type') ?? '';
  reply.send(/json/.test(type) ? await response.text() : response.body);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
