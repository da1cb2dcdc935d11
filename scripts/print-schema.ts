// Prints the schemas built from the code; with --check, fails when a checked-in file differs
// from what the code builds (CI runs `npm run schema:check`):
// - schema/schema.graphql: the public API, what frontends and codegen use;
// - schema/subgraph.graphql: the federation subgraph SDL, exactly what `_service { sdl }`
//   answers and what the supergraph composes (with its @link and @key directives).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/client.js';
import { printPublicSchema, printSubgraphSdl } from '../src/graphql/federation.js';
import { buildSchema } from '../src/graphql/schema.js';

/**
 * Both files' text, from a schema built on an in-memory SQLite client that is never queried:
 * Prisma connects lazily, so no database is opened or written.
 */
async function currentFiles(): Promise<Record<string, string>> {
  const database = createDatabase(parseConfig({ DATABASE_URL: 'file::memory:' }).database);
  try {
    const schema = buildSchema(database);
    return { 'schema/schema.graphql': printPublicSchema(schema), 'schema/subgraph.graphql': printSubgraphSdl(schema) };
  } finally {
    await database.close();
  }
}

const check = process.argv.includes('--check');
for (const [shown, text] of Object.entries(await currentFiles())) {
  const target = fileURLToPath(new URL(`../${shown}`, import.meta.url));
  if (check) {
    const checkedIn = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (checkedIn !== text) {
      console.error(`${shown} is stale: run npm run schema:print`);
      process.exitCode = 1;
    } else {
      console.log(`${shown} is current`);
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${shown}`);
  }
}
