/**
 * The floors of src/ drawn from its imports, and the imports that run back up.
 *
 *   npx tsx scripts/layers.ts [--values-only] [--list]
 *
 * A module's floor is 0 when it imports nothing of src/, else one above the highest module it
 * imports; modules that import each other in a cycle share one floor. The house has as many
 * floors as its longest import chain. An import runs back up when it goes from one folder of
 * src/ (a capability, or the shared plumbing's graphql/, db/, ...) to another folder that
 * imports the first one back, directly or through others: then neither can sit below the other.
 * Files at the top of src/ (app.ts, services.ts, main.ts) each count as a folder of their own.
 *
 * `import type` and `import { type X }` count as imports (a type still ties the modules'
 * places together); `--values-only` leaves them out, to see what runs at load time.
 * The generated Prisma clients (src/db/generated/) are left out: they import nothing of ours.
 *
 * test/layers.test.ts runs the same analysis (`analyseLayers`) and fails on any import that runs
 * back up and any module cycle (docs/development.md, "Floors").
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// `import ... from '...'`, `export ... from '...'`, `import '...'` and `import('...')`
const STATIC = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gms;
const BARE = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Whether every name a statement brings in is marked `type`. */
function typeOnly(typeKeyword: string | undefined, clause: string): boolean {
  if (typeKeyword) return true;
  const braces = /^\{([^}]*)\}$/s.exec(clause.trim());
  if (!braces?.[1]) return false;
  const names = braces[1].split(',').map((name) => name.trim()).filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

function importsOf(file: string, root: string, valuesOnly: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(STATIC)) {
    const [, , typeKeyword, clause = '', target = ''] = match;
    if (!valuesOnly || !typeOnly(typeKeyword, clause)) targets.push(target);
  }
  for (const match of text.matchAll(BARE)) targets.push(match[1] ?? '');
  for (const match of text.matchAll(DYNAMIC)) targets.push(match[1] ?? '');
  return targets
    .filter((target) => target.startsWith('.'))
    .map((target) => resolve(dirname(file), target.replace(/\.js$/, '.ts')))
    .filter((target) => target.startsWith(root) && !target.includes(join('db', 'generated')));
}

/** Tarjan's strongly connected components, each as a list of nodes. */
function components<T>(nodes: T[], next: (node: T) => T[]): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const stack: T[] = [];
  const onStack = new Set<T>();
  const result: T[][] = [];
  let counter = 0;
  const visit = (node: T) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const other of next(node)) {
      if (!index.has(other)) {
        visit(other);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(other) ?? 0));
      } else if (onStack.has(other)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(other) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: T[] = [];
      let member: T | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      result.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return result;
}

export interface LayerReport {
  modules: number;
  /** the longest import chain, in modules */
  floors: number;
  /** `a.ts -> b.ts` for each import between two folders that reach each other */
  upward: string[];
  /** modules that import each other, directly or through others */
  cycles: string[][];
  /** folders that import each other, each knot sorted */
  knots: string[][];
}

/** The floors of `root` (a src/ folder) and what runs back up; `valuesOnly` leaves `import type` out. */
export function analyseLayers(root: string, { valuesOnly = false }: { valuesOnly?: boolean } = {}): LayerReport {
  const files = sourceFiles(root).sort();
  const edges = new Map(files.map((file) => [file, [...new Set(importsOf(file, root, valuesOnly))].filter((target) => target !== file)]));
  const name = (file: string) => relative(root, file);
  const folderOf = (file: string) => {
    const path = name(file);
    return path.includes('/') ? path.slice(0, path.indexOf('/')) : path;
  };

  // Floors of modules: Tarjan returns components dependencies first, so one pass suffices.
  const fileComponents = components(files, (file) => edges.get(file) ?? []);
  const componentOf = new Map<string, number>();
  fileComponents.forEach((component, at) => {
    for (const file of component) componentOf.set(file, at);
  });
  const floorOfComponent: number[] = [];
  fileComponents.forEach((component, at) => {
    let floor = 0;
    for (const file of component) {
      for (const target of edges.get(file) ?? []) {
        const below = componentOf.get(target) ?? at;
        if (below !== at) floor = Math.max(floor, (floorOfComponent[below] ?? 0) + 1);
      }
    }
    floorOfComponent[at] = floor;
  });
  const floors = Math.max(...floorOfComponent) + 1;

  // Imports that run back up: between two folders that reach each other.
  const folders = [...new Set(files.map(folderOf))];
  const folderEdges = new Map(folders.map((folder) => [folder, new Set<string>()]));
  for (const [file, targets] of edges) {
    for (const target of targets) if (folderOf(target) !== folderOf(file)) folderEdges.get(folderOf(file))?.add(folderOf(target));
  }
  const folderComponent = new Map<string, number>();
  const folderComponents = components(folders, (folder) => [...(folderEdges.get(folder) ?? [])]);
  folderComponents.forEach((component, at) => {
    for (const folder of component) folderComponent.set(folder, at);
  });
  const upward = [...edges].flatMap(([file, targets]) =>
    targets
      .filter((target) => folderOf(target) !== folderOf(file) && folderComponent.get(folderOf(target)) === folderComponent.get(folderOf(file)))
      .map((target) => `${name(file)} -> ${name(target)}`),
  );
  const cycles = fileComponents.filter((component) => component.length > 1);

  return {
    modules: files.length,
    floors,
    upward: upward.sort(),
    cycles: cycles.map((component) => component.map(name).sort()),
    knots: folderComponents.filter((members) => members.length > 1).map((members) => members.sort()),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const valuesOnly = process.argv.includes('--values-only');
  const list = process.argv.includes('--list');
  const { modules, floors, upward, cycles, knots } = analyseLayers(resolve(import.meta.dirname, '..', 'src'), { valuesOnly });
  console.log(`imports counted: ${valuesOnly ? 'values only (import type left out)' : 'all, import type included'}`);
  console.log(`modules: ${modules}, floors: ${floors}, imports that run back up: ${upward.length}, module cycles: ${cycles.length}`);
  for (const knot of knots) console.log(`folders that import each other (${knot.length}): ${knot.join(' ')}`);
  if (list) {
    for (const line of upward) console.log(`  up: ${line}`);
    for (const component of cycles) console.log(`  cycle: ${component.join(', ')}`);
  }
}
