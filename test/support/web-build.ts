import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let built = false;

/**
 * Builds the components into web/dist as `npm run build` does (scripts/build-web.mjs, safe to
 * run beside another build), once a test process: an app serves /ui/ from what it finds there
 * when it is built, so call this before building the app.
 */
export function buildWeb(): void {
  if (built) return;
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-web.mjs', import.meta.url))], { stdio: 'pipe' });
  built = true;
}
