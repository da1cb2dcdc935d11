// Prints the GraphQL schema built from the code to schema/schema.graphql; with --check,
// fails when the checked-in file differs from it (CI runs `npm run schema:check`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { parseConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/client.js';
import { buildSchema } from '../src/graphql/schema.js';

const shown = 'schema/schema.graphql';
const target = fileURLToPath(new URL(`../${shown}`, import.meta.url));

/**
 * The SDL of the schema, built on an in-memory SQLite client that is never queried: Prisma
 * connects lazily, so no database is opened or written.
 */
async function currentSdl(): Promise<string> {
  const database = createDatabase(parseConfig({ DATABASE_URL: 'file::memory:' }).database);
  try {
    return `${printSchema(buildSchema(database))}\n`;
  } finally {
    await database.close();
  }
}

const sdl = await currentSdl();

if (process.argv.includes('--check')) {
  const checkedIn = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (checkedIn !== sdl) {
    console.error(`${shown} is stale: run npm run schema:print`);
    process.exitCode = 1;
  } else {
    console.log(`${shown} is current`);
  }
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, sdl);
  console.log(`wrote ${shown}`);
}
