import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { GraphiQLOptions } from 'graphql-yoga';
import { encodingFor, type Encoding } from '../http/content-encoding.js';

/** Where GraphiQL's scripts, styles and icon are served, beside the GraphQL endpoint. */
export const graphiqlAssetsPath = '/graphql/assets';

interface Asset {
  /** the file name, with a hash of the content: a new version of GraphiQL is a new URL */
  name: string;
  type: string;
  body: Buffer;
  /** compressed once, on the first request that accepts the encoding */
  encoded: Partial<Record<Exclude<Encoding, 'identity'>, Promise<Buffer>>>;
}

interface Assets {
  byName: Map<string, Asset>;
  css: string;
  js: string;
  icon: string;
  start: string;
  workers: { editorWorkerService: string; json: string; graphql: string };
}

/**
 * GraphiQL's start-up, a file rather than inline so the page's policy allows no inline script
 * (security-headers.ts). It runs before GraphiQL's bundle, which reads MonacoEnvironment, and
 * renders once the bundle has run (before DOMContentLoaded, as a classic script does).
 */
const startScript = `'use strict';
(() => {
  const settings = JSON.parse(document.getElementById('graphiql-settings').textContent);
  // Monaco starts its workers from these URLs; absolute, so it loads them as they are.
  self['MonacoEnvironment'] = {
    globalAPI: false,
    getWorkerUrl: (moduleId, label) => new URL(settings.workers[label], location.href).href,
  };
  document.addEventListener('DOMContentLoaded', () => {
    YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), settings.options);
  });
})();
`;

// Brotli at quality 5 comes within 5 % of quality 9's size in a quarter of the time (0.5 s for
// the 5 MB script), which the first page view waits for; each file is compressed once a process.
const compress = {
  br: (body: Buffer) =>
    promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body: Buffer) => promisify(gzip)(body, { level: 6 }),
};

let loading: Promise<Assets> | undefined;

/**
 * GraphiQL as Yoga's bundled page has it (no CDN), cut into files: its 9 MB sit inline in every
 * page otherwise, sent uncompressed on each load. Loaded on the first page view, so a service
 * that nobody opens in a browser never reads them.
 */
function loadAssets(): Promise<Assets> {
  loading ??= (async () => {
    const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
    const byName = new Map<string, Asset>();
    const add = (stem: string, extension: string, type: string, body: Buffer) => {
      const name = `${stem}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${extension}`;
      byName.set(name, { name, type, body, encoded: {} });
      return `${graphiqlAssetsPath}/${name}`;
    };
    const js = 'text/javascript; charset=utf-8';
    const [, iconType = 'image/x-icon', iconData = ''] = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon) ?? [];
    return {
      byName,
      css: add('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
      js: add('graphiql', 'js', js, Buffer.from(bundle.js)),
      icon: add('favicon', 'ico', iconType, Buffer.from(iconData, 'base64')),
      start: add('graphiql-start', 'js', js, Buffer.from(startScript)),
      workers: {
        editorWorkerService: add('editor.worker', 'js', js, Buffer.from(bundle.editorWorkerService)),
        json: add('json.worker', 'js', js, Buffer.from(bundle.jsonWorker)),
        graphql: add('graphql.worker', 'js', js, Buffer.from(bundle.graphqlWorker)),
      },
    };
  })();
  return loading;
}

/** JSON inside a <script>: `</script>` or `<!--` in a default tab must not end or bend the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The page Yoga's `renderGraphiQL` would send, but loading GraphiQL from the asset routes:
 * the page itself is a few kilobytes (its options, as a JSON data block that never runs), the
 * assets are compressed and cached, and nothing on it is an inline script.
 */
export async function renderGraphiQL(options: GraphiQLOptions | undefined): Promise<string> {
  const assets = await loadAssets();
  const title = (options?.title ?? 'GraphiQL').replace(/[<>&"]/g, (c) => `&#${String(c.charCodeAt(0))};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${assets.icon}" />
    <link rel="stylesheet" href="${assets.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-settings">${scriptJson({ workers: assets.workers, options: options ?? {} })}</script>
    <script src="${assets.start}"></script>
    <script src="${assets.js}"></script>
  </body>
</html>
`;
}

/**
 * GraphiQL's files under a content-hashed name: compressed (brotli or gzip, as the browser
 * accepts) and cacheable for a year, since a changed file gets a new name.
 */
export const graphiqlAssetRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { name: string } }>(`${graphiqlAssetsPath}/:name`, { schema: { hide: true } }, async (request, reply: FastifyReply) => {
    const asset = (await loadAssets()).byName.get(request.params.name);
    if (!asset) return reply.code(404).send({ detail: 'Not Found' });
    const encoding = encodingFor(request);
    void reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding');
    if (encoding === 'identity') return reply.send(asset.body);
    asset.encoded[encoding] ??= compress[encoding](asset.body);
    return reply.header('content-encoding', encoding).send(await asset.encoded[encoding]);
  });
};
