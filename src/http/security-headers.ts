import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * What a page served here may load: its own scripts, styles, fonts, images and workers, and
 * requests to its own origin; nothing inline runs (GraphiQL's start-up is a file of its own,
 * its settings a JSON data block, Swagger UI's initializer a file). Styles may be inline
 * because GraphiQL's editor (Monaco) and Swagger UI set `style` attributes and insert <style>
 * elements as they render; a style cannot run code. Fonts and icons come as data: URLs inside
 * the style sheets. No page may be framed (clickjacking of GraphiQL's buttons).
 */
export const pageContentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** @fastify/helmet's full set, as the HTML pages get it. */
export const pageHelmetOptions: FastifyHelmetOptions = {
  // Every request of the context registering it: only the pages' contexts do (see htmlPages).
  global: true,
  // helmet's defaults, less upgrade-insecure-requests: the service speaks plain HTTP behind
  // its TLS proxy and on localhost, where upgrading the page's own requests would break it.
  contentSecurityPolicy: { useDefaults: false, directives: pageContentSecurityPolicy },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // HSTS belongs to whoever terminates TLS and owns the domain (includeSubDomains reaches
  // sibling hosts): the proxy's to send, not this service's.
  strictTransportSecurity: false,
};

/**
 * Registers HTML pages in a context of their own that carries helmet's full set of headers,
 * so that the JSON routes, the hot path among them, pay nothing for it. A page with a policy of
 * its own (the components' try page, /ui/) passes its options.
 */
export async function htmlPages(
  app: FastifyInstance,
  register: (pages: FastifyInstance) => Promise<void>,
  options: FastifyHelmetOptions = pageHelmetOptions,
): Promise<void> {
  await app.register(async (pages) => {
    await pages.register(helmet, options);
    await register(pages);
  });
}

/**
 * A page answered outside htmlPages (a route added later, an error page) gets a policy that
 * lets nothing load and nothing frame it: a forgotten page breaks visibly instead of going out
 * unprotected.
 */
const fallbackPageHeaders = {
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Set on every answer in the root onSend hook: nosniff, so no answer (a JSON body echoing a
 * caller's text, say) is ever read as a script or a page; and for an HTML answer without a
 * policy, the fallback above. Two header writes and a string test: the hot path's whole cost.
 */
export function setAnswerHeaders(reply: FastifyReply): void {
  void reply.header('x-content-type-options', 'nosniff');
  const type = reply.getHeader('content-type');
  // helmet writes its headers straight onto the raw response, where Fastify's own map does not see them.
  if (typeof type === 'string' && type.startsWith('text/html') && !reply.raw.hasHeader('content-security-policy')) {
    void reply.headers(fallbackPageHeaders);
  }
}
