import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock/clock.js';
import type { Config } from './config/config.js';
import { createDatabase, type Database } from './db/client.js';
import type { Delivery } from './vocabulary/channel.js';
import { createDelivery } from './delivery/delivery.js';
import { graphqlRoutes } from './graphql/graphql.routes.js';
import { buildSchema } from './graphql/schema.js';
import { graphiqlDefaultQuery } from './graphql/examples.js';
import { healthRoutes } from './health/health.routes.js';
import { logSerializers, redactedValue, redactPaths } from './logging/logger.js';
import { requestLogger } from './logging/request-logger.js';
import { otpRoutes } from './verification/otp.routes.js';
import { deviceRoutes } from './verification/verify-device.routes.js';
import { statusCallbackRoutes } from './delivery/status-callback.routes.js';
import { createCallerAuth } from './auth/caller-auth.js';
import type { CallContext } from './auth/caller.js';
import { rootErrorHandler } from './http/root-error-handler.js';
import { refuseUnstorableText } from './http/storable-input.js';
import { createIpRateLimit } from './http/ip-rate-limit.js';
import { createServices } from './services.js';
import type { Resolver } from './webhooks/address-guard.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { notFound } from './http/not-found.js';
import { faviconRoute } from './http/favicon.js';
import { jwksRoutes } from './tokens/jwks.routes.js';
import { htmlPages, setAnswerHeaders } from './http/security-headers.js';
import { uiRoutes } from './ui/ui.routes.js';
import { SigningKeyUnreadableError } from './tokens/signing-keys.js';
import { entryOf, errorCatalogue, errorCodes, examplesOf } from './errors/errors.js';
import type { Tracing } from './tracing/tracing.js';
import { loadTracing } from './tracing/load-tracing.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * `starting` is on until `start()` has run: every request then answers 503. `draining`
     * turns on at shutdown: /readyz then answers 503 while requests finish.
     */
    lifecycle: { starting: boolean; draining: boolean };
    /**
     * The start-up writes (the result-token signing key created or replaced, the outbox's
     * dispatcher started), kept out of `buildApp` so that `main` makes them only once it
     * listens: a start that fails (port in use) leaves the database as it found it.
     */
    start(): Promise<void>;
  }
  interface FastifyRequest {
    /** who is calling, set for every request before routing */
    callContext: CallContext;
  }
  interface FastifyContextConfig {
    /** the route's bearer token is its own (METRICS_TOKEN), not a caller's JWT to verify */
    ownBearerToken?: boolean;
  }
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes "trust the nearest N proxies". */
function trustedProxies(setting: boolean | number | string[]) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/** Parts a caller (a test, the benchmark) may supply; anything missing is built from config. */
export interface AppDeps {
  database?: Database;
  delivery?: Delivery;
  clock?: Clock;
  /** how webhook hosts are resolved (tests play a DNS server with it) */
  resolver?: Resolver;
  tracing?: Tracing;
}

/**
 * Builds the whole service as a Fastify instance that is not listening yet. What it builds
 * itself (database, delivery) it also closes on `app.close()`.
 */
export async function buildApp(config: Config, deps: AppDeps = {}) {
  // OpenTelemetry is imported only when an OTLP endpoint is set (tracing/tracing.ts)
  const tracing = deps.tracing ?? (await loadTracing(config.tracing));
  const app = Fastify({
    logger: { level: config.logLevel, redact: { paths: redactPaths, censor: redactedValue }, serializers: logSerializers, mixin: tracing.logFields },
    childLoggerFactory: requestLogger,
    // Behind a load balancer, the client's address (for per-IP limits and the audit trail)
    // comes from X-Forwarded-For, trusted only as far as TRUST_PROXY says.
    trustProxy: trustedProxies(config.server.trustProxy),
    // A caller's own request id is kept when it looks like one; otherwise a fresh UUID, so ids
    // stay unique across instances. It is on every log line and in every response.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    // Legacy callers' types are checked, not coerced: a wrong type is a 422, as in FastAPI.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allowUnionTypes: true, allErrors: true } },
  });

  tracing.instrumentHttp(app);
  const database =
    deps.database ??
    createDatabase(config.database, {
      onPoolError: (error) => app.log.warn({ err: error }, 'database: an idle connection failed'),
      onSentAgain: (sqlstate) => app.log.warn({ sqlstate }, 'database: a statement aborted by a deadlock or serialization conflict was sent again'),
    });
  const metrics = createMetrics(database);
  const delivery = metrics.instrument(tracing.delivery(deps.delivery ?? createDelivery(config, app.log)));
  const clock = deps.clock ?? systemClock;
  app.addHook('onClose', async () => {
    if (!deps.delivery) await delivery.close();
    if (!deps.database) await database.close();
    if (!deps.tracing) await tracing.shutdown().catch((error: unknown) => app.log.warn({ err: error }, 'tracing: the last spans could not be exported'));
  });
  const lifecycle = { starting: true, draining: false };
  app.decorate('lifecycle', lifecycle);
  // Between listen and the end of start(): the migrations may not have run, nor the signing
  // key been read, so nothing is served yet, not even /healthz (a start that fails next must
  // not have looked alive).
  app.addHook('onRequest', async (_request, reply) => {
    if (!lifecycle.starting) return;
    const { status, message } = errorCatalogue.DATABASE_UNAVAILABLE;
    await reply.code(status).header('retry-after', '1').send({ detail: message });
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    setAnswerHeaders(reply);
    done(null, payload);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  await database.init();
  if (config.security.secretKeyIsEphemeral) {
    app.log.warn('SECRET_KEY is not set: using a random key for this process; pending codes do not survive a restart');
  }

  if (config.security.encryptionKeyIsEphemeral) {
    app.log.warn('ENCRYPTION_KEY is not set: authenticator-app secrets enrolled now are unreadable after a restart');
  }
  if (!config.metrics.served) {
    app.log.warn('METRICS_TOKEN is not set: /metrics is not served in production (404) until it is');
  }
  if (config.production && config.otp.inResponse) {
    app.log.warn('OTP_IN_RESPONSE is on in production: every caller of generate receives the code');
  }

  if (config.production && config.database.urlIsDefault) {
    app.log.warn(`DATABASE_URL is not set: using the SQLite file ${config.database.sqlitePath} in production`);
  }

  const services = createServices({
    sql: tracing.sql(database.sql),
    clock,
    delivery,
    config,
    logger: app.log,
    metrics,
    tracing,
    ...(deps.resolver ? { resolver: deps.resolver } : {}),
  });
  app.decorate('start', async () => {
    // The result-token signing key: read, or created by the first instance to start.
    // A database that cannot serve yet is no reason not to start (the first verification reads
    // it again); a key sealed under an ENCRYPTION_KEY this instance lacks is.
    await services.signingKeys.current().catch((error: unknown) => {
      if (error instanceof SigningKeyUnreadableError) throw error;
      app.log.warn({ err: error }, 'result tokens: the signing key could not be read yet');
    });
    if (config.outbox.dispatcher) services.dispatcher.start();
    lifecycle.starting = false;
  });
  // The outbox's dispatcher (webhooks and security notices), stopped before the database closes.
  if (config.outbox.dispatcher) app.addHook('onClose', () => services.dispatcher.stop());
  const callerAuth = createCallerAuth(config, { clock, logger: app.log });
  // Declared up front so every request has the same shape; the hook below sets it before routing.
  app.decorateRequest('callContext', null as unknown as CallContext);
  app.addHook('onRequest', async (request) => {
    request.callContext = await callerAuth.contextFor({
      authorization: request.routeOptions.config.ownBearerToken ? undefined : request.headers.authorization,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      requestId: request.id,
    });
  });
  app.setErrorHandler(rootErrorHandler);
  app.addHook('preValidation', refuseUnstorableText);
  // Before any route is added: the limit applies to each route registered after it.
  // Counted in Redis when REDIS_URL is set (every instance against one limit), else per process.
  const ipRateLimit = createIpRateLimit({
    perMinute: config.security.ipRateLimitPerMinute,
    fallbackPerMinute: config.security.ipRateLimitFallbackPerMinute,
    redisUrl: config.security.ipRateLimitPerMinute > 0 ? config.security.redisUrl : undefined,
    logger: app.log,
    registry: metrics.registry,
    onExceeded: () => metrics.throttled.inc({ kind: 'ip' }),
  });
  app.addHook('onClose', () => ipRateLimit.close());
  if (config.security.ipRateLimitPerMinute > 0) {
    await ipRateLimit.ready();
    await app.register(rateLimit, ipRateLimit.options);
  }

  if (config.apiDocs) await registerApiDocs(app);

  app.setNotFoundHandler(notFound);
  await app.register(healthRoutes, { database, lifecycle, degraded: ipRateLimit.problem });
  await app.register(faviconRoute);
  if (config.metrics.served) await app.register(metricsRoutes, { registry: metrics.registry, token: config.metrics.token });
  await app.register(jwksRoutes, { signingKeys: services.signingKeys });
  const twilio = config.twilio;
  if (twilio?.statusCallbackUrl) {
    await app.register(statusCallbackRoutes, { receipts: services.receipts, twilio: { ...twilio, statusCallbackUrl: twilio.statusCallbackUrl } });
  }
  await app.register(otpRoutes, {
    prefix: '/auth',
    verification: services.verification,
    otpInResponse: config.otp.inResponse,
  });
  await app.register(deviceRoutes, { prefix: '/auth', verification: services.verification });
  await app.register(graphqlRoutes, {
    schema: buildSchema(database),
    context: { services, otpInResponse: config.otp.inResponse, now: () => clock.now() },
    settings: config.graphql,
    defaultQuery: graphiqlDefaultQuery,
    served: (path) => metrics.graphqlRequests.inc({ path }),
    plugins: tracing.graphqlPlugins(),
  });
  await app.register(uiRoutes, { config, services, clock });
  return app;
}

/**
 * The OpenAPI document at GET /openapi.json, generated from the routes' schemas, and Swagger UI
 * at GET /docs (API_DOCS). Registered before the routes it describes, which it learns as they are added.
 */
async function registerApiDocs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'FountainAI 2FA Service',
        version: '1.0.0',
        description:
          'Sends one-time codes by email or SMS and checks them, for every FountainAI service that needs a ' +
          'second factor. This is the legacy REST contract; the full API is GraphQL at /graphql.',
      },
      components: {
        // Every code of the catalogue with the `detail` it answers, so /docs lists them all,
        // including those a route's own examples leave out.
        examples: Object.fromEntries(
          errorCodes.map((code) => [code, { summary: `${code} (${String(entryOf(code).status)})`, description: entryOf(code).description, value: { detail: examplesOf(code)[0] } }]),
        ),
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A JWT signed with SECRET_KEY (ALGORITHM, HS256 by default), or by the platform issuer (CALLER_JWKS_URL, ' +
              'CALLER_ISSUER), with `sub` (the calling service), ' +
              '`exp`, and `scope`: space-separated scopes from otp:generate otp:verify users:read users:write ' +
              'logs:read webhooks:read webhooks:write. Without a token a caller is let in only where ALLOW_ANONYMOUS_CALLERS is on.',
          },
        },
      },
    },
  });
  await htmlPages(app, async (pages) => {
    await pages.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
