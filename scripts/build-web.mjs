// Builds the drop-in components (web/src) and the try page's script (web/try) into web/dist:
// minified ES modules under content-hashed names, each beside its brotli and gzip forms, and a
// manifest.json naming them, which the service reads to serve /ui/ (src/ui/ui-assets.ts).
// Run by `npm run build`, `npm start` and `npm run dev`; never committed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

// Two builds may run at once (the test projects, `npm start` beside a test): each file is
// written under a name of this process and renamed into place, the manifest last, so a reader
// sees the old set or the new one. The names hash the content, so concurrent builds agree.
mkdirSync(out, { recursive: true });
const place = (name, contents) => {
  const temporary = join(out, `.${name}.${process.pid}.tmp`);
  writeFileSync(temporary, contents);
  renameSync(temporary, join(out, name));
};
const manifest = {};
for (const file of result.outputFiles) {
  const stem = basename(file.path, '.js');
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 16);
  const name = `${stem}-${hash}.js`;
  place(name, file.contents);
  place(`${name}.br`, brotliCompressSync(file.contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  place(`${name}.gz`, gzipSync(file.contents, { level: 9 }));
  manifest[stem] = name;
}
place('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
// Earlier builds' scripts go; a running service keeps what it read at start.
const current = new Set(Object.values(manifest).flatMap((name) => [name, `${name}.br`, `${name}.gz`]));
for (const name of readdirSync(out)) {
  if (name !== 'manifest.json' && !name.startsWith('.') && !current.has(name)) rmSync(join(out, name), { force: true });
}
const size = (name) => `${(readFileSync(join(out, name)).length / 1024).toFixed(1)} KiB`;
for (const [stem, name] of Object.entries(manifest)) {
  console.log(`web/dist/${name}: ${size(name)}, brotli ${size(`${name}.br`)}, gzip ${size(`${name}.gz`)} (${stem})`);
}
