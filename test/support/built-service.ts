import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './net.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The compiled service that spawned service processes run: production's own entry point, and
 * it starts in about a fifth of tsx's time (no transpiling of src/ on every start).
 */
export const builtMain = join(root, 'dist/main.js');

const lock = join(root, 'node_modules/.cache/twofa-dist-build.lock');
const STALE_LOCK_MS = 10 * 60_000;

/** Whether dist/ is missing or older than a file of src/ or the build's tsconfig. */
function distIsStale(): boolean {
  if (!existsSync(builtMain)) return true;
  const built = statSync(builtMain).mtimeMs;
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return [...sources, join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')].some((file) => statSync(file).mtimeMs > built);
}

/**
 * Builds dist/ when it is stale (.ci/run has built it already), once: both projects' global
 * setups call this, and the one that takes the lock builds while the other waits for it.
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(join(lock, '..'), { recursive: true });
  for (;;) {
    if (!distIsStale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another run builds; a lock left by a run that died is taken over.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      if (distIsStale()) execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
