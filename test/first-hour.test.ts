// What a newcomer meets in the first hour: a start-up failure names the setting to fix, the
// browser pages load without a 9 MB page or a 404 for the icon, and /docs shows real examples.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { freePort, startServiceProcess } from './support/service-process.js';

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: { name: string; example?: unknown }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}

describe('browser pages', () => {
  const app = useTestApp({ GRAPHIQL: 'true', GRAPHQL_INTROSPECTION: 'true' });

  it('/favicon.ico answers 204, cacheable, instead of a 404 on every page', async () => {
    const response = await app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(response.statusCode).toBe(204);
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
  });

  it('GraphiQL is a small page whose scripts and styles are compressed and cacheable', async () => {
    const page = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body.length).toBeLessThan(100_000);
    const assets = [...new Set(page.body.match(/\/graphql\/assets\/[\w.-]+/g) ?? [])];
    // the icon, the stylesheet, the start-up script, the script and Monaco's three workers
    expect(assets).toHaveLength(7);

    for (const url of assets) {
      const plain = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity' } });
      expect(plain.statusCode, url).toBe(200);
      expect(plain.headers['content-encoding'], url).toBeUndefined();
      expect(plain.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');

      const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(br.headers['content-encoding'], url).toBe('br');
      expect(br.headers.vary, url).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload), url).toBe(true);

      const gzip = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
      expect(gzip.headers['content-encoding'], url).toBe('gzip');
      expect(gunzipSync(gzip.rawPayload).equals(plain.rawPayload), url).toBe(true);
    }
    const script = assets.find((url) => /\/graphiql-[0-9a-f]+\.js$/.test(url)) ?? '';
    const compressed = await app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'br' } });
    expect(compressed.rawPayload.length).toBeLessThan(2_000_000);
  });

  it('an unknown asset is a 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql/assets/graphiql-0000000000000000.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not Found' });
  });

  it('/docs shows real examples: no field reads "string", and each status has its own description', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, { post?: Operation }> }>();
    const generate = doc.paths['/auth/generate']?.post;
    const verify = doc.paths['/auth/verify']?.post;
    if (!generate || !verify) throw new Error('the legacy routes are not documented');

    expect(generate.parameters?.find((p) => p.name === 'username')?.example).toBe('alice');
    expect(verify.requestBody?.content['application/json']?.example).toEqual({ username: 'alice', otp_code: '482913' });
    expect(generate.responses['200']?.content?.['application/json']?.example).toHaveProperty('expires_at', '2026-11-23T19:11:40.469Z');
    expect(verify.responses['200']?.content?.['application/json']?.example).toMatchObject({ success: true, method: 'otp' });

    for (const operation of [generate, verify]) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const media = response.content?.['application/json'];
        const examples = media?.example !== undefined ? [media.example] : Object.values(media?.examples ?? {}).map((e) => e.value);
        expect(examples.length, `an example of ${status}`).toBeGreaterThan(0);
        expect(JSON.stringify(examples), status).not.toContain('"string"');
      }
    }
    expect(generate.responses['502']?.description).toMatch(/provider/);
    expect(generate.responses['503']?.description).toMatch(/no provider is configured/);
    expect(generate.responses['502']?.description).not.toBe(generate.responses['503']?.description);
    const unavailable = generate.responses['503']?.content?.['application/json']?.examples ?? {};
    expect(Object.values(unavailable).map((e) => e.value)).toContainEqual({ detail: 'The database is unavailable; try again shortly' });
  });
});

describe('a start-up failure names the setting at fault', { timeout: 60_000 }, () => {
  const failure = async (env: Record<string, string> & { DATABASE_URL: string }) => {
    const started = startServiceProcess({ env, startTimeoutMs: 45_000 });
    const error = await started.then(
      async (service) => {
        await service.stop();
        throw new Error('the service started');
      },
      (reason: unknown) => reason as Error,
    );
    return /Failed to start: .*/.exec(error.message)?.[0] ?? error.message;
  };

  it('PostgreSQL refusing connections: DATABASE_URL, its host and port, never its password', async () => {
    const port = await freePort();
    const message = await failure({ DATABASE_URL: `postgresql://twofa:hunter2@127.0.0.1:${String(port)}/twofa` });
    expect(message).toContain(`DATABASE_URL=postgresql://twofa:***@127.0.0.1:${String(port)}/twofa: database unreachable`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('hunter2');
  });

  it('migrations through DIRECT_DATABASE_URL: that variable, not DATABASE_URL', async () => {
    const port = await freePort();
    const message = await failure({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/twofa',
      DIRECT_DATABASE_URL: `postgresql://postgres@127.0.0.1:${String(port)}/twofa`,
    });
    expect(message).toMatch(/^Failed to start: DIRECT_DATABASE_URL=postgresql:\/\/postgres@127\.0\.0\.1:\d+\/twofa: database unreachable/);
  });

  it('a SQLite file in a missing directory: DATABASE_URL and the directory', async () => {
    const message = await failure({ DATABASE_URL: 'file:/nonexistent-twofa-dir/sub/2fa.db' });
    expect(message).toBe(
      'Failed to start: DATABASE_URL=file:/nonexistent-twofa-dir/sub/2fa.db: the directory /nonexistent-twofa-dir/sub does not exist; ' +
        'create it or point DATABASE_URL at a file in an existing directory',
    );
  });
});
