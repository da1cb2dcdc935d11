import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ProductionBuild {
  /** the compiled entry point, for `startServiceProcess({ compiled })` */
  main: string;
  /** the Node flags of `npm run start:prod` (its V8 memory limits) */
  nodeArgs: string[];
  /** the environment `npm run start:prod` sets before `node` (MALLOC_ARENA_MAX) */
  env: Record<string, string>;
  remove(): void;
}

/**
 * The service as production runs it: `npm run build` into a folder of this test's own (a
 * sibling of `dist/`, so that paths the code finds from its own location still resolve, and
 * so that tests building at once, or a developer's `dist/`, are never half-written under each
 * other), with the environment and Node flags read from `npm run start:prod`, so the test
 * follows them when they change.
 */
export async function buildForProduction(): Promise<ProductionBuild> {
  const outDir = join(root, `.test-dist-${process.pid}-${Date.now()}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await promisify(execFile)(npm, ['run', 'build', '--', '--outDir', outDir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start:prod'] ?? '').split(/\s+/);
  const node = words.indexOf('node');
  const entry = words.indexOf('dist/main.js');
  if (node < 0 || entry < node) throw new Error(`start:prod is not "[VAR=value ...] node [flags] dist/main.js": ${scripts['start:prod'] ?? ''}`);
  const env = Object.fromEntries(words.slice(0, node).map((word) => word.split('=', 2) as [string, string]));
  return {
    main: join(outDir, 'main.js'),
    nodeArgs: words.slice(node + 1, entry),
    env,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
