import { ConfigError, loadConfig } from '../config/config.js';
import { applyMigrations } from './migrate.js';

// `npm run migrate`: applies pending migrations without starting the service, for
// deployments that migrate in a separate step. `npm start` does the same before it listens.
try {
  const config = loadConfig();
  const applied = await applyMigrations(config.database);
  process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n');
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
