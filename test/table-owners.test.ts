// Every table has one store that writes it: a statement spanning tables is composed from the
// pieces its owners export (verification.store.ts), never retyped. Read from the sources, so
// ownership cannot drift unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each table and the one file whose SQL writes it. */
const owners: Record<string, string> = {
  users: 'src/users/users.store.ts',
  otp_logs: 'src/delivery/codes.store.ts',
  recovery_codes: 'src/recovery/recovery.store.ts',
  audit_events: 'src/audit/audit.store.ts',
  send_counters: 'src/throttle/counters.store.ts',
  passkeys: 'src/passkeys/passkeys.store.ts',
  remembered_devices: 'src/devices/devices.store.ts',
  passkey_challenges: 'src/passkeys/passkeys.store.ts',
  signing_keys: 'src/tokens/signing-keys.store.ts',
  outbox_events: 'src/events/outbox.store.ts',
  webhook_endpoints: 'src/events/endpoints.store.ts',
  webhook_deliveries: 'src/events/deliveries.store.ts',
  webhook_attempts: 'src/events/deliveries.store.ts',
  prefix_blocks: 'src/delivery/prefix-blocks.store.ts',
  // the migrator's own ledger
  _prisma_migrations: 'src/db/migrate.ts',
};

/**
 * Writes outside the owner that are allowed: the migrator's backfill of a new column, which runs
 * once on the migration connection, before any store exists.
 */
const backfills: Record<string, string[]> = { 'src/db/migrate.ts': ['users'] };

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === join('src', 'db', 'generated') ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The code of a file without its comments (which may name statements, as examples). */
function code(path: string): string {
  return readFileSync(join(root, path), 'utf8')
    .replace(/^\s*\/\*[\s\S]*?\*\//gm, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1');
}

/** Prisma's model names (`otpLog`) and their tables, from the data model. */
function prismaModels(): Map<string, string> {
  const schema = readFileSync(join(root, 'prisma/models.prisma'), 'utf8');
  return new Map(
    [...schema.matchAll(/^model (\w+) \{[\s\S]*?@@map\("(\w+)"\)/gm)].map(([, model = '', table = '']) => [model.charAt(0).toLowerCase() + model.slice(1), table]),
  );
}

/** Each file and the tables its SQL writes (INSERT INTO, UPDATE, DELETE FROM), or its Prisma model writes. */
function writes(kind: 'sql' | 'prisma'): Map<string, Set<string>> {
  const models = prismaModels();
  const found = new Map<string, Set<string>>();
  for (const path of sources('src')) {
    const file = relative(root, join(root, path)).split('\\').join('/');
    const text = code(path);
    const tables =
      kind === 'sql'
        ? [...text.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?([a-z_][a-z0-9_]*)\b/g)].map((match) => match[1] ?? '')
        : [...text.matchAll(/\.(\w+)\.(?:create|createMany|update|updateMany|upsert|delete|deleteMany)\(/g)].flatMap((match) => {
            const table = models.get(match[1] ?? '');
            return table ? [table] : [];
          });
    if (tables.length > 0) found.set(file, new Set(tables));
  }
  return found;
}

/** The files that write each table. */
function writersOf(byFile: Map<string, Set<string>>): Map<string, string[]> {
  const writers = new Map<string, string[]>();
  for (const [file, tables] of byFile) {
    for (const table of tables) writers.set(table, [...(writers.get(table) ?? []), file]);
  }
  return writers;
}

describe('one owner per table', () => {
  it('names every table of the data model', () => {
    expect([...prismaModels().values()].sort()).toEqual(Object.keys(owners).filter((table) => !table.startsWith('_')).sort());
  });

  it("finds writes of the hot path's tables (the scan reads the sources)", () => {
    const writers = writersOf(writes('sql'));
    for (const table of ['users', 'otp_logs', 'audit_events', 'send_counters', 'outbox_events', 'webhook_deliveries', 'webhook_endpoints']) {
      expect(writers.get(table), table).toBeDefined();
    }
  });

  it("writes each table's SQL in its owner only", () => {
    const byFile = writes('sql');
    for (const [file, tables] of Object.entries(backfills)) for (const table of tables) byFile.get(file)?.delete(table);
    const writers = Object.fromEntries([...writersOf(byFile)].map(([table, files]) => [table, files.sort()]));
    const expected = Object.fromEntries(Object.keys(writers).map((table) => [table, [owners[table] ?? 'no owner']]));
    expect(writers).toEqual(expected);
  });

  it('makes no Prisma model writes: Prisma serves the Pothos reads only', () => {
    const prismaWrites = Object.fromEntries([...writes('prisma')].filter(([, tables]) => tables.size > 0).map(([file, tables]) => [file, [...tables].sort()]));
    expect(prismaWrites).toEqual({});
  });

  it('has one INSERT INTO webhook_deliveries and one subscription rule', () => {
    const count = (pattern: RegExp) => sources('src').flatMap((path) => [...code(path).matchAll(pattern)].map(() => path));
    expect(count(/INSERT INTO webhook_deliveries/g)).toEqual([join('src', 'events', 'deliveries.store.ts')]);
    expect(count(/events LIKE '%,'/g)).toEqual([join('src', 'events', 'endpoints.store.ts')]);
  });
});
