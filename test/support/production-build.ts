import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtMain } from './built-service.js';

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
 * The service as production runs it: the build the global setup keeps current (`dist/`, which
 * `.ci/run` builds before the tests), with the environment and Node flags read from
 * `npm run start:prod`, so the test follows them when they change.
 */
export async function buildForProduction(): Promise<ProductionBuild> {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start:prod'] ?? '').split(/\s+/);
  const node = words.indexOf('node');
  const entry = words.indexOf('dist/main.js');
  if (node < 0 || entry < node) throw new Error(`start:prod is not "[VAR=value ...] node [flags] dist/main.js": ${scripts['start:prod'] ?? ''}`);
  const env = Object.fromEntries(words.slice(0, node).map((word) => word.split('=', 2) as [string, string]));
  return await Promise.resolve({ main: builtMain, nodeArgs: words.slice(node + 1, entry), env, remove: () => undefined });
}
