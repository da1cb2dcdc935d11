import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One graphql instance for everything: Vitest could otherwise load both its CJS and ESM
// builds, and Yoga would then mask every GraphQLError as an internal error.
const alias = { graphql: require.resolve('graphql') };

/** The whole suite runs once per database: `npm test` runs both projects. */
const project = (name: 'sqlite' | 'postgres') => ({
  resolve: { alias },
  test: {
    name,
    include: ['test/**/*.test.ts'],
    // test/postgres/ and test/sqlite/ hold what only one database has (schemas, a server
    // to stop; table rebuilds in migrations), run by that database's project alone.
    exclude: [name === 'sqlite' ? 'test/postgres/**' : 'test/sqlite/**'],
    globalSetup: ['test/support/global-setup.ts'],
    env: { TEST_DATABASE: name },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [project('sqlite'), project('postgres')],
  },
});
