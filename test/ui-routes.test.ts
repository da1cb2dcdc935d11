// The components as the service serves them under /ui/: precompressed, cacheable (a year under
// a hashed name, revalidated by ETag under the stable one), loadable from any frontend's origin;
// the try page with a policy of its own. The try page and its token are development only: in
// production a stranger gets no page and, above all, no token for whichever user they name.
import { jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserFactorsDocument } from './generated/graphql.js';
import { TEST_SECRET, uniqueName, useTestApp } from './support/app.js';
import { bearer, callerToken, executeAs } from './support/callers.js';
import { buildWeb } from './support/web-build.js';

beforeAll(buildWeb);

describe('/ui/ outside production', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });

  it('serves the components compressed, under a stable URL revalidated by its ETag and a hashed one cached for a year', async () => {
    const stable = await app.inject({ method: 'GET', url: '/ui/fountain-2fa.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(stable.statusCode).toBe(200);
    expect(stable.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'content-encoding': 'br', 'cache-control': 'public, no-cache', vary: 'accept-encoding' });
    // Any frontend's page loads it: no same-origin resource policy on the script.
    expect(stable.headers['cross-origin-resource-policy']).toBeUndefined();
    const plain = await app.inject({ method: 'GET', url: '/ui/fountain-2fa.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('fountain-2fa-challenge');
    expect(stable.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    const gzip = await app.inject({ method: 'GET', url: '/ui/fountain-2fa.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');

    const etag = String(stable.headers.etag);
    const again = await app.inject({ method: 'GET', url: '/ui/fountain-2fa.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const page = await app.inject({ method: 'GET', url: '/ui/' });
    const hashed = /src="(\/ui\/assets\/fountain-2fa-[0-9a-f]{16}\.js)"/.exec(page.body)?.[1] ?? '';
    const asset = await app.inject({ method: 'GET', url: hashed, headers: { 'accept-encoding': 'br' } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/ui/assets/fountain-2fa-0000000000000000.js' })).statusCode).toBe(404);
  });

  it('serves the try page under its own policy: its own scripts, no inline script or style, not framed', async () => {
    const page = await app.inject({ method: 'GET', url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("style-src 'self';");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.body).not.toMatch(/<script>|<script type="(?!module)|<style/);
  });

  it('signs a token for the user typed, made if new, that the service accepts as theirs', async () => {
    const username = uniqueName('try');
    const first = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const { token, created } = first.json<{ token: string; created: boolean }>();
    expect(created).toBe(true);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_SECRET), { algorithms: ['HS256'] });
    expect(payload.sub).toBe(username);
    expect(payload.scope).toBe('self');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(600);
    const { user } = await executeAs(app, bearer(token), UserFactorsDocument, { username });
    expect(user?.username).toBe(username);
    const second = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username } });
    expect(second.json<{ created: boolean }>().created).toBe(false);
  });

  it('refuses a bad request, saying what is wrong, and makes nobody', async () => {
    const empty = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username: '' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('username');
    const username = uniqueName('try');
    const unknownField = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username, admin: true } });
    expect(unknownField.statusCode).toBe(400);
    const long = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username: 'x'.repeat(257) } });
    expect(long.statusCode).toBe(400);
    expect(long.body).not.toMatch(/eyJ/);
    const admin = bearer(await callerToken());
    expect((await executeAs(app, admin, UserFactorsDocument, { username })).user).toBeNull();
  });
});

describe('/ui/ in production', () => {
  const app = useTestApp({ NODE_ENV: 'production' });

  it('serves the components but neither the try page nor its token', async () => {
    expect((await app.inject({ method: 'GET', url: '/ui/fountain-2fa.js' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ui/' })).statusCode).toBe(404);
    const username = uniqueName('try');
    const token = await app.inject({ method: 'POST', url: '/ui/try/token', payload: { username } });
    expect(token.statusCode).toBe(404);
    expect(token.body).not.toMatch(/eyJ/);
    const { user } = await executeAs(app, bearer(await callerToken()), UserFactorsDocument, { username });
    expect(user).toBeNull();
  });
});
