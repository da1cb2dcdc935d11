import { describe, expect, it } from 'vitest';
import { uniqueName, useTestApp } from './support/app.js';
import { postGenerate, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';

/** A PostgreSQL address where nothing listens: port 1 refuses at once. */
const DEAD_DATABASE_URL = 'postgresql://postgres@127.0.0.1:1/nothing';

describe('health probes on a working database', () => {
  const app = useTestApp();

  it('GET /healthz answers 200 {"status": "ok"}', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 {"status": "ready"}', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('GET / answers the legacy status', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: '2FA Service is up and running!' });
  });
});

describe('health probes when the database is unreachable', () => {
  // Building the app must not need the database: it starts and reports itself not ready.
  const app = useTestApp({ DATABASE_URL: DEAD_DATABASE_URL });

  it('GET /healthz still answers 200: the process is up', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 503 with a status that says the database is unavailable', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    const body = response.json<{ status: string }>();
    expect(Object.keys(body)).toEqual(['status']);
    expect(body.status).not.toBe('ready');
    expect(body.status).toMatch(/database/i);
  });

  it('GET / still answers the legacy status', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: '2FA Service is up and running!' });
  });

  /** A 503 whose only field is a `detail` naming the database, with no internals in it. */
  function expectDatabaseUnavailable(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body) as { detail: unknown };
    expect(Object.keys(body)).toEqual(['detail']);
    expect(body.detail).toEqual(expect.any(String));
    const detail = body.detail as string;
    expect(detail).toMatch(/database/i);
    expect(response.body).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
    expect(response.body).not.toMatch(/SELECT|UPDATE|INSERT|FROM\s|otp_logs|"users"/i);
    expect(response.body).not.toMatch(/127\.0\.0\.1|postgres(ql)?:|ECONNREFUSED|prisma/i);
  }

  it('POST /auth/generate answers 503 {"detail": ...} naming the database, with no stack, SQL or address', async () => {
    const response = await postGenerate(app, uniqueName('dead'));
    expectDatabaseUnavailable(response);
  });

  it('POST /auth/verify answers 503 {"detail": ...} naming the database, with no stack, SQL or address', async () => {
    const response = await submitCode(app, uniqueName('dead'), '123456');
    expectDatabaseUnavailable(response);
  });

  it('a malformed request is still a 422: validation needs no database', async () => {
    const response = await app.inject({ method: 'POST', url: '/auth/generate' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [{ loc: ['query', 'username'], msg: 'Field required', type: 'missing' }] });
  });

  it('GraphQL reports the database as unavailable, without internals', async () => {
    const result = await executeRaw(app, 'query($u: String!) { user(username: $u) { username } }', { u: uniqueName('dead') });
    const text = JSON.stringify(result.body);
    expect(result.body.errors?.[0]?.message).toMatch(/database/i);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('DATABASE_UNAVAILABLE');
    expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|SELECT|\n\s+at /);
  });
});
