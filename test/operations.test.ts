// What an operator relies on: request ids to follow a request through the logs, Prometheus
// metrics that count what happened without leaking who it happened to, and a readiness
// probe that turns away new traffic while the instance drains.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';

describe('operations', () => {
  const app = useTestApp();

  it('answers every request with an x-request-id, keeping a well-formed one the caller sent', async () => {
    const fresh = await app.inject({ method: 'GET', url: '/healthz' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42.a' } });
    expect(kept.headers['x-request-id']).toBe('trace-42.a');
    const replaced = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts generates, verifications and request durations in Prometheus format', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    await submitCode(app, username, wrongCode(code));
    await submitCode(app, username, code);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/^twofa_otp_generate_total\{outcome="SUCCESS",channel="EMAIL"\} [1-9]/m);
    expect(text).toMatch(/^twofa_otp_verify_total\{outcome="SUCCESS",method="otp"\} [1-9]/m);
    expect(text).toMatch(/^twofa_otp_verify_total\{outcome="INVALID_CODE",method="unknown"\} [1-9]/m);
    expect(text).toMatch(/^twofa_delivery_duration_seconds_count\{channel="EMAIL",outcome="SUCCESS"\} [1-9]/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{route="\/auth\/verify",method="POST",status_code="200"\} [1-9]/m);
    expect(text).toMatch(/^twofa_db_pool_connections\{state="total"\} \d+/m);
    expect(text).not.toContain(username);
    expect(text).not.toContain(code);
  });

  it('turns /readyz to 503 while draining, and keeps serving requests in flight', async () => {
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    app.lifecycle.draining = true;
    try {
      const probe = await app.inject({ method: 'GET', url: '/readyz' });
      expect(probe.statusCode).toBe(503);
      expect(probe.json()).toEqual({ status: 'shutting down' });
      expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    } finally {
      app.lifecycle.draining = false;
    }
  });
});

describe('behind a proxy (TRUST_PROXY)', () => {
  const app = useTestApp({ TRUST_PROXY: '1' });

  it('records the client address from X-Forwarded-For in the audit trail', async () => {
    const username = await createUser(app);
    const response = await app.inject({
      method: 'POST',
      url: `/auth/generate?username=${username}`,
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(response.statusCode).toBe(200);
    const database = await openTestDatabase();
    try {
      const events = await database.db.auditEvent.findMany({ where: { username, event: 'OTP_GENERATE' }, select: { ip: true } });
      expect(events).toEqual([{ ip: '203.0.113.9' }]);
    } finally {
      await database.close();
    }
  });
});
