// Builds the drop-in components (web/src) and the try page's script (web/try) into web/dist:
// minified ES modules under content-hashed names, each beside its brotli and gzip forms, and a
// manifest.json naming them, which the service reads to serve /ui/ (src/ui/ui-assets.ts).
// Run by `npm run build`, `npm start` and `npm run dev`; never committed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'web', 'dist');
const entries = {
  // One file holding both elements: a frontend adds one script tag.
  'fountain-2fa': join(root, 'web', 'src', 'index.ts'),
  try: join(root, 'web', 'try', 'try.ts'),
};

const result = await build({
  entryPoints: entries,
  bundle: true,
  format: 'esm',
  // What the elements need (custom elements, shadow DOM, adoptedStyleSheets, WebAuthn JSON):
  // every browser released since 2023.
  target: ['chrome111', 'firefox119', 'safari16.4'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  write: false,
  outdir: out,
  logLevel: 'warning',
});

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const manifest = {};
for (const file of result.outputFiles) {
  const stem = basename(file.path, '.js');
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 16);
  const name = `${stem}-${hash}.js`;
  writeFileSync(join(out, name), file.contents);
  writeFileSync(join(out, `${name}.br`), brotliCompressSync(file.contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(join(out, `${name}.gz`), gzipSync(file.contents, { level: 9 }));
  manifest[stem] = name;
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const size = (name) => `${(readFileSync(join(out, name)).length / 1024).toFixed(1)} KiB`;
for (const [stem, name] of Object.entries(manifest)) {
  console.log(`web/dist/${name}: ${size(name)}, brotli ${size(`${name}.br`)}, gzip ${size(`${name}.gz`)} (${stem})`);
}
