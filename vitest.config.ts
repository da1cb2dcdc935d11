import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One graphql instance for everything: Vitest could otherwise load both its CJS and ESM
// builds, and Yoga would then mask every GraphQLError as an internal error.
const alias = { graphql: require.resolve('graphql') };

/**
 * Files that open no database: run once, in the `unit` project, not once per database. A file
 * listed here must not `inject('databaseUrl')` (the unit project provides none).
 */
const databaseFree = [
  'test/config.test.ts',
  'test/default-deny.test.ts',
  'test/docs.test.ts',
  'test/templates.test.ts',
  'test/locales.test.ts',
  'test/totp-vectors.test.ts',
  'test/table-owners.test.ts',
  'test/layers.test.ts',
  'test/es256-signatures.test.ts',
];

const shared = {
  globalSetup: ['test/support/global-setup.ts'],
  // A worker's files share one module graph: importing src/ and its dependencies anew for every
  // file took most of the run (19 s of every 48). The price: a file must leave no global state
  // behind (fake timers, process.env, listeners): each restores what it changes.
  isolate: false,
  // Generous: a loaded 2-core machine (several runs at once) is many times slower than an idle one.
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

/** The suite runs once per database: `npm test` runs every project. */
const project = (name: 'sqlite' | 'postgres') => ({
  resolve: { alias },
  test: {
    ...shared,
    name,
    include: ['test/**/*.test.ts'],
    // test/postgres/ and test/sqlite/ hold what only one database has (schemas, a server
    // to stop; table rebuilds in migrations), run by that database's project alone.
    exclude: [name === 'sqlite' ? 'test/postgres/**' : 'test/sqlite/**', ...databaseFree],
    env: { TEST_DATABASE: name },
  },
});

export default defineConfig({
  resolve: { alias },
  test: {
    // One worker, Vitest's default on 2 cores (cores - 1), set so that a bigger machine keeps it:
    // files of a project share its database, and an app's outbox dispatcher claims any due
    // webhook delivery there, so two files at once retry each other's deliveries on the wrong
    // schedule (measured: two workers ran a set of files 15% faster but failed webhook tests).
    maxWorkers: 1,
    projects: [project('sqlite'), project('postgres'), { resolve: { alias }, test: { ...shared, name: 'unit', include: databaseFree } }],
  },
});
