import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { databaseFault } from './db/faults.js';
import { applyMigrations } from './db/migrate.js';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // Listen first, then write: a start that cannot listen (port in use) exits having changed
  // nothing, neither a migration nor the signing key. Until start() has run, every request
  // answers 503, so nothing is served from an unmigrated database.
  let phase: 'listen' | 'migrate' | 'serve' = 'listen';
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    app = await buildApp(config);
    const listening = app;
    const starting = (async () => {
      await listening.listen({ host: config.server.host, port: config.server.port });
      phase = 'migrate';
      const applied = await applyMigrations(config.database);
      if (applied.length) listening.log.info({ migrations: applied }, 'database migrations applied');
      phase = 'serve';
      await listening.start();
    })();
    handleShutdown(app, config, starting);
    await starting;
    // The end of the 503s: what an operator (or a test) watching the log waits for.
    app.log.info('start-up complete: serving requests');
    if (!config.production) process.stderr.write(whereToLook(config, (app.server.address() as AddressInfo).port));
  } catch (error) {
    process.stderr.write(`Failed to start: ${startupProblem(error, config, phase)}\n`);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

/** A signal during start-up waits for the start (a migration half-applied helps nobody), then shuts down. */
function handleShutdown(app: Awaited<ReturnType<typeof buildApp>>, config: Config, starting: Promise<void>) {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    // A start that fails exits by itself (main's catch).
    await starting.catch(() => new Promise<never>(() => undefined));
    // /readyz answers 503 from now on, so a load balancer stops sending new requests while
    // the ones in flight finish; app.close() stops accepting and closes the database last.
    app.lifecycle.draining = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Outside production a person is usually watching: the log is JSON lines, so say in plain
 * words where the browser pages are.
 */
function whereToLook(config: Config, port: number): string {
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.server.host) ? 'localhost' : config.server.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  return [
    `FountainAI 2FA Service on ${base} (NODE_ENV=${config.env}, ${config.database.provider === 'sqlite' ? `SQLite file ${config.database.sqlitePath}` : 'PostgreSQL'})`,
    `  GraphiQL:  ${config.graphql.graphiql ? `${base}/graphql` : 'off (GRAPHIQL=false)'}`,
    `  REST docs: ${base}/docs`,
    '',
  ].join('\n');
}

/**
 * A start-up failure in words that name the setting at fault: a driver's "ECONNREFUSED" or
 * "directory does not exist" alone does not say which variable to fix.
 */
function startupProblem(error: unknown, config: Config, phase: 'listen' | 'migrate' | 'serve'): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const { server, database } = config;
  if (code === 'EADDRINUSE') return `port ${String(server.port)} is already in use on ${server.host}: set PORT to another port (${message})`;
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
    return `cannot listen on HOST=${server.host} PORT=${String(server.port)}: ${message}`;

  if (database.provider === 'sqlite') {
    const file = resolve(database.sqlitePath);
    if (!existsSync(dirname(file)))
      return `DATABASE_URL=${database.url}: the directory ${dirname(file)} does not exist; create it or point DATABASE_URL at a file in an existing directory`;
    const fault = databaseFault(error);
    return fault ? `DATABASE_URL=${database.url} (${file}): ${fault}: ${message}` : message;
  }

  const fault = databaseFault(error);
  if (!fault) return message;
  const [variable, url] =
    phase === 'migrate' && database.migrationUrl !== database.url
      ? ['DIRECT_DATABASE_URL', database.migrationUrl]
      : ['DATABASE_URL', database.url];
  const hint =
    fault === 'database does not exist'
      ? '; create it first (docs/deployment.md)'
      : fault === 'database refused the credentials'
        ? `; check the user and password in ${variable}`
        : fault === 'database unreachable'
          ? `; is PostgreSQL running and accepting connections at that host and port?`
          : '';
  return `${variable}=${withoutPassword(url)}: ${fault} (${message})${hint}`;
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
