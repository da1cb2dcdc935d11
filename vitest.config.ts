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
    // test/postgres/ holds what only PostgreSQL has (schemas, a server to stop).
    exclude: name === 'sqlite' ? ['test/postgres/**'] : [],
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
