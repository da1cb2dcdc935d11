// Traces end to end: a gateway's traceparent is continued through the REST and GraphQL edges,
// every hot-path statement and into the outbox, and a webhook receiver gets the same trace id
// (header and CloudEvents extension). No span attribute holds a code, a username, a destination
// or a token; and without an OTLP endpoint (or with the SDK disabled) nothing is exported.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createTestApp, testEnv, type TestApp } from './support/app.js';
import { createUser, DEFAULT_EMAIL, requestCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { gatewayTraceparent, startOtlpReceiver, type ReceivedSpan } from './support/otlp.js';
import { startReceiver, until } from './support/webhooks.js';

const VERIFY_OTP = `mutation VerifyOtp($username: String!, $code: String!) {
  verifyOtp(username: $username, code: $code) { __typename ... on VerifyOtpPayload { token } }
}`;
const CREATE_ENDPOINT = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret } }
}`;

/** Every attribute value of every span, as text, to look for what must never be there. */
const attributeText = (spans: readonly ReceivedSpan[]) => spans.map((span) => JSON.stringify(span.attributes)).join('\n');

describe('traces exported over OTLP', () => {
  let collector: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let app: TestApp;
  beforeAll(async () => {
    collector = await startOtlpReceiver();
    receiver = await startReceiver();
    app = await createTestApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      // the test's collector reads JSON; the default, protobuf, has its own test below
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'twofa-under-test',
      OUTBOX_POLL_INTERVAL_MS: '25',
      OTP_RESEND_INTERVAL_SECONDS: '0',
    });
    const created = await executeRaw(app, CREATE_ENDPOINT, { input: { url: receiver.url, events: ['VERIFICATION_APPROVED'] } });
    receiver.setSecret((created.body.data?.createWebhookEndpoint as { secret: string }).secret);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await collector.close();
  });

  it('continues a REST verify’s traceparent: request, statements, the webhook attempt, and the receiver gets the trace', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const gateway = gatewayTraceparent();
    const answer = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code }, headers: { traceparent: gateway.traceparent } });
    expect(answer.statusCode, answer.body).toBe(200);
    const token = answer.json<{ token: string }>().token;

    // the receiver's request carries the sign-in's trace, in the header and in the CloudEvent
    const [delivered] = await until(() => receiver.about(username).length > 0 && receiver.about(username));
    expect(delivered?.verified).toBe(true);
    expect(String(delivered?.headers.traceparent)).toMatch(new RegExp(`^00-${gateway.traceId}-[0-9a-f]{16}-01$`));
    const event = JSON.parse(delivered?.body ?? '{}') as { traceparent?: string };
    expect(event.traceparent).toMatch(new RegExp(`^00-${gateway.traceId}-[0-9a-f]{16}-01$`));

    const spans = await until(() => {
      const found = collector.inTrace(gateway.traceId);
      return found.some((span) => span.name === 'webhook POST') && found;
    });
    const request = spans.find((span) => span.name === 'POST /auth/verify');
    expect(request).toMatchObject({ parentSpanId: gateway.spanId, service: 'twofa-under-test' });
    expect(request?.attributes).toMatchObject({ 'http.route': '/auth/verify', 'http.response.status_code': 200 });
    const statements = spans.filter((span) => span.attributes['db.system.name'] !== undefined);
    expect(statements.length).toBeGreaterThanOrEqual(2);
    // each statement a child of a span of this request, named by its SQL's shape, never its values
    const ids = new Set(spans.map((span) => span.spanId));
    for (const statement of statements) {
      expect(ids.has(statement.parentSpanId)).toBe(true);
      expect(statement.attributes['db.query.summary']).toMatch(/^(SELECT|INSERT|UPDATE|DELETE|WITH|atomic:|unit:) \w/);
    }
    // the webhook attempt: the request's child through the stored context, the header its own span
    const attempt = spans.find((span) => span.name === 'webhook POST');
    expect(attempt?.attributes).toMatchObject({ 'cloudevents.event_type': 'verification.approved', 'http.response.status_code': 200 });
    expect(String(delivered?.headers.traceparent)).toContain(attempt?.spanId);

    const text = attributeText(collector.spans);
    for (const secret of [code, username, DEFAULT_EMAIL, token]) expect(text).not.toContain(secret);
  });

  it('continues a GraphQL verifyOtp’s traceparent: request, operation (name and type), statements', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const gateway = gatewayTraceparent();
    const answer = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', traceparent: gateway.traceparent },
      payload: { query: VERIFY_OTP, variables: { username, code }, operationName: 'VerifyOtp' },
    });
    const result = answer.json<{ data: { verifyOtp: { __typename: string; token: string } } }>();
    expect(result.data.verifyOtp.__typename, answer.body).toBe('VerifyOtpPayload');

    const spans = await until(() => {
      const found = collector.inTrace(gateway.traceId);
      return found.some((span) => span.name === 'POST /graphql') && found.some((span) => span.name === 'mutation VerifyOtp') && found;
    });
    const request = spans.find((span) => span.name === 'POST /graphql');
    const operation = spans.find((span) => span.name === 'mutation VerifyOtp');
    expect(request?.parentSpanId).toBe(gateway.spanId);
    expect(operation?.parentSpanId).toBe(request?.spanId);
    expect(operation?.attributes).toEqual({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'VerifyOtp' });
    await until(() => collector.inTrace(gateway.traceId).some((span) => span.parentSpanId === operation?.spanId && span.attributes['db.system.name']));

    const text = attributeText(collector.spans);
    for (const secret of [code, username, DEFAULT_EMAIL, result.data.verifyOtp.token]) expect(text).not.toContain(secret);
  });

  it('redacts the query string of a legacy generate: the username never reaches a span', async () => {
    const username = await createUser(app);
    const gateway = gatewayTraceparent();
    const answer = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: { traceparent: gateway.traceparent } });
    expect(answer.statusCode, answer.body).toBe(200);
    const [request] = await until(() => {
      const found = collector.inTrace(gateway.traceId).filter((span) => span.name === 'POST /auth/generate');
      return found.length > 0 && found;
    });
    expect(request?.attributes['url.query']).toBe('username=[redacted]');
    // the delivery's span: the channel and the provider's answer, not the address
    const sent = await until(() => collector.inTrace(gateway.traceId).find((span) => span.name === 'delivery send'));
    expect(sent.attributes).toMatchObject({ 'twofa.delivery.channel': 'EMAIL', 'twofa.delivery.provider_status': 'ACCEPTED' });
    expect(attributeText(collector.spans)).not.toContain(username);
  });
});

describe('OTLP protobuf, the default protocol', () => {
  it('exports the spans as OTLP protobuf when no protocol is set, carrying the caller’s trace id', async () => {
    const exports: { contentType: string | undefined; body: Buffer }[] = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        exports.push({ contentType: request.headers['content-type'], body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const app = await createTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '50' });
    const gateway = gatewayTraceparent();
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const answer = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code }, headers: { traceparent: gateway.traceparent } });
      expect(answer.statusCode).toBe(200);
      // the trace id travels as its 16 raw bytes in protobuf (as 32 hex digits in JSON)
      const traced = await until(() => exports.find((sent) => sent.body.includes(Buffer.from(gateway.traceId, 'hex'))));
      expect(traced.contentType).toBe('application/x-protobuf');
      expect(traced.body.includes(Buffer.from(gateway.traceId))).toBe(false);
    } finally {
      await app.close();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});

describe('without an OTLP endpoint', () => {
  it('reads no tracing configuration: unset, or set with OTEL_SDK_DISABLED', () => {
    expect(parseConfig(testEnv()).tracing).toBeUndefined();
    expect(parseConfig(testEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).tracing).toBeUndefined();
    expect(parseConfig(testEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })).tracing?.url).toBe('http://127.0.0.1:4318/v1/traces');
    expect(parseConfig(testEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' })).tracing?.url).toBe('http://collector:4318/custom');
  });

  it('exports nothing when the SDK is disabled, even with a traceparent and the endpoint set', async () => {
    const collector = await startOtlpReceiver();
    const app = await createTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_SDK_DISABLED: 'true', OTEL_BSP_SCHEDULE_DELAY: '50' });
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const answer = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code }, headers: { traceparent: gatewayTraceparent().traceparent } });
      expect(answer.statusCode).toBe(200);
    } finally {
      // closing flushes whatever a tracing app had buffered: after it, nothing more can come
      await app.close();
    }
    expect(collector.requests()).toBe(0);
    await collector.close();
  });

  it('rejects settings it cannot honour, naming the variable', () => {
    expect(() => parseConfig(testEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }))).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/json or http\/protobuf/);
    expect(() => parseConfig(testEnv({ OTEL_TRACES_SAMPLER_ARG: '2' }))).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => parseConfig(testEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' }))).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
  });
});

