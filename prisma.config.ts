// Prisma CLI configuration. The CLI runs on the Rust-free "js" engine with a driver
// adapter because Prisma's native engines cannot be downloaded on our build hosts.
// PRISMA_PROVIDER picks which of the two generated schemas the CLI works on.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

const provider = process.env.PRISMA_PROVIDER === 'postgres' ? 'postgres' : 'sqlite';

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', provider, 'schema.prisma'),
  migrations: { path: path.join('prisma', provider, 'migrations') },
  adapter: async () => new PrismaBetterSQLite3({ url: 'file:./prisma/cli.db' }),
});
