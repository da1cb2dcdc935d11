import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { UsernameTakenError } from '../errors/errors.js';
import { systemContext } from '../auth/caller.js';
import { signCallerToken } from '../auth/caller-token.js';
import { encodingFor } from '../http/content-encoding.js';
import { htmlPages, pageContentSecurityPolicy, pageHelmetOptions } from '../http/security-headers.js';
import type { Services } from '../services.js';

/** Where scripts/build-web.mjs writes the components (src/ui and dist/ui are both two levels down). */
export const webDist = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** One built script, in each encoding it was compressed to at build time. */
interface Script {
  name: string;
  etag: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

/** The built scripts: the components (`fountain-2fa`) and the try page's (`try`). */
interface Built {
  byName: Map<string, Script>;
  components: Script;
  tryPage: Script;
}

function loadBuilt(dir: string): Built | undefined {
  if (!existsSync(`${dir}manifest.json`)) return undefined;
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as Record<string, string>;
  const byName = new Map<string, Script>();
  const load = (stem: string): Script => {
    const name = manifest[stem];
    if (!name) throw new Error(`web/dist/manifest.json names no ${stem} script: run npm run build`);
    const identity = readFileSync(`${dir}${name}`);
    const script = {
      name,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
      identity,
      br: readFileSync(`${dir}${name}.br`),
      gzip: readFileSync(`${dir}${name}.gz`),
    };
    byName.set(name, script);
    return script;
  };
  return { byName, components: load('fountain-2fa'), tryPage: load('try') };
}

function sendScript(request: FastifyRequest, reply: FastifyReply, script: Script, cacheControl: string) {
  void reply.type('text/javascript; charset=utf-8').header('cache-control', cacheControl).header('vary', 'accept-encoding').header('etag', script.etag);
  if (request.headers['if-none-match'] === script.etag) return reply.code(304).send();
  const encoding = encodingFor(request);
  if (encoding === 'identity') return reply.send(script.identity);
  return reply.header('content-encoding', encoding).send(script[encoding]);
}

/**
 * The try page's policy: its own scripts only, nothing inline, and no inline style either (the
 * elements' styles are constructed style sheets, which a policy does not govern); the QR code
 * is a data: image.
 */
const tryPageHelmetOptions: FastifyHelmetOptions = {
  ...pageHelmetOptions,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { ...pageContentSecurityPolicy, styleSrc: ["'self'"], fontSrc: ["'self'"], workerSrc: ["'none'"] },
  },
};

/** How long a try-page token lives: enough to try everything, and within CALLER_TOKEN_MAX_TTL_SECONDS. */
const TRY_TOKEN_SECONDS = 600;

/** The try page's token is the user's own: it acts on the user it names and on nobody else. */
export const TRY_TOKEN_SCOPE = 'self';

export interface UiRoutesOptions {
  config: Pick<Config, 'production' | 'security'>;
  services: Pick<Services, 'users'>;
  clock: Clock;
  /** where the built scripts are; web/dist by default */
  dir?: string;
}

/**
 * The drop-in components under /ui/: `/ui/fountain-2fa.js` (a stable URL for a frontend's
 * script tag, revalidated by its ETag) and `/ui/assets/<name>-<hash>.js` (cached for a year),
 * each precompressed with brotli and gzip. Outside production also the try page, GET /ui/, and
 * the development token it signs, POST /ui/try/token.
 */
export const uiRoutes: FastifyPluginAsync<UiRoutesOptions> = async (app, { config, services, clock, dir = webDist }) => {
  const built = loadBuilt(dir);
  if (!built) {
    // The service runs without them; /ui/ answers 404 and the log says why.
    app.log.warn({ dir }, 'the UI components are not built (npm run build): /ui/ is not served');
    return;
  }
  app.get('/ui/fountain-2fa.js', { schema: { hide: true } }, (request, reply) => sendScript(request, reply, built.components, 'public, no-cache'));
  app.get<{ Params: { name: string } }>('/ui/assets/:name', { schema: { hide: true } }, (request, reply) => {
    const script = built.byName.get(request.params.name);
    if (!script) return reply.code(404).send({ detail: 'Not Found' });
    return sendScript(request, reply, script, 'public, max-age=31536000, immutable');
  });
  if (config.production) return;
  await tryPage(app, config, services, clock, built);
};

/** The page a newcomer opens after `npm start`: development only, since it hands out tokens. */
async function tryPage(app: FastifyInstance, config: UiRoutesOptions['config'], services: UiRoutesOptions['services'], clock: Clock, built: Built) {
  const lifetime = Math.min(TRY_TOKEN_SECONDS, config.security.callerTokenMaxTtlSeconds);
  await htmlPages(
    app,
    async (pages) => {
      pages.get('/ui/', { schema: { hide: true } }, (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(tryPageHtml(built)));
    },
    tryPageHelmetOptions,
  );
  app.post<{ Body: { username: string; email?: string } }>(
    '/ui/try/token',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['username'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 256 }, email: { type: 'string', maxLength: 320 } },
        },
      },
    },
    async (request, reply) => {
      const { username, email } = request.body;
      // A newcomer types a name, not an account: the user is made on first use.
      let created = false;
      try {
        await services.users.create({ username, ...(email ? { email } : {}) }, systemContext('ui-try-page'));
        created = true;
      } catch (error) {
        if (!(error instanceof UsernameTakenError)) throw error;
      }
      // SECRET_KEY may be this process's random one in development: the token is for this process.
      const { token, expiresAt } = await signCallerToken(config.security, clock, { scope: TRY_TOKEN_SCOPE, sub: username, ttlSeconds: lifetime });
      return reply.header('cache-control', 'no-store').send({ username, created, token, expiresAt: expiresAt.toISOString() });
    },
  );
}

function tryPageHtml(built: Built): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>FountainAI 2FA: try the components</title>
    <script type="module" src="/ui/assets/${built.components.name}"></script>
    <script type="module" src="/ui/assets/${built.tryPage.name}"></script>
  </head>
  <body>
    <main>
      <h1>Try the components</h1>
      <p>Development only: this page signs a token for the user you name (made if new) and mounts both elements for them.</p>
      <form id="who">
        <label for="username">Username</label>
        <input id="username" name="username" required maxlength="256" autocomplete="username" />
        <label for="email">Email (optional, for codes by email)</label>
        <input id="email" name="email" type="email" maxlength="320" autocomplete="email" />
        <button type="submit">Start</button>
      </form>
      <p id="problem" role="alert"></p>
      <div id="stage" hidden>
        <section aria-labelledby="factors-title">
          <h2 id="factors-title">Manage factors</h2>
          <fountain-2fa-factors></fountain-2fa-factors>
        </section>
        <section aria-labelledby="challenge-title">
          <h2 id="challenge-title">Step up</h2>
          <label for="minimum">Minimum assurance</label>
          <select id="minimum">
            <option value="">any factor</option>
            <option value="AAL2_RESTRICTED">AAL2_RESTRICTED</option>
            <option value="AAL2">AAL2</option>
            <option value="PHISHING_RESISTANT">PHISHING_RESISTANT</option>
          </select>
          <p>Change the minimum to step up again; a remembered device passes without a factor.</p>
          <fountain-2fa-challenge device-name="Try page"></fountain-2fa-challenge>
          <h3>Result token</h3>
          <pre id="result">(none yet)</pre>
        </section>
      </div>
    </main>
  </body>
</html>
`;
}
