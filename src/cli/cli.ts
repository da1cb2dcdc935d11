import { parseArgs } from 'node:util';
import { systemContext } from '../auth/caller.js';
import { systemClock } from '../clock/clock.js';
import { scopes } from '../auth/caller.js';
import { CallerTokenRefusedError, mintCallerToken } from '../auth/caller-token.js';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createDatabase } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import { createDelivery } from '../delivery/delivery.js';
import { DomainError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createServices } from '../services.js';

const DEFAULT_MINT_TTL_SECONDS = 3600;

const usage = `Usage: npm run cli -- <command> [options]

Commands:
  users:create --username NAME [--email ADDRESS] [--phone +E164] [--method EMAIL|SMS] [--locale en|de|fr|es|pt|it]
                         create a user
  users:show NAME        show a user: destinations, methods, lock state (never a secret)
  users:disable NAME     switch two-factor authentication off for a user (pending codes stop working)
  users:reinstate NAME   lift the suspension after MAX_CONSECUTIVE_FAILURES failed verifications
                         in a row, with any lock and the failure counts (audited)
  logs:purge [--days N]  delete code records and audit events older than N days
                         (default: LOG_RETENTION_DAYS)
  keys:rotate            re-encrypt every authenticator-app secret and result-token signing key under
                         the newest ENCRYPTION_KEY (the same as npm run rotate-keys)
  keys:rotate-signing    a new result-token signing key (RESULT_TOKEN_ALGORITHM); the previous one stays
                         in /.well-known/jwks.json until the last token it signed has expired
  tokens:mint --scope "SCOPE ..." [--ttl SECONDS] [--sub NAME] [--allow-production]
                         print a caller's bearer token signed with SECRET_KEY (ALGORITHM) for the
                         given scopes (${scopes.join(' ')}), valid --ttl seconds (default
                         ${String(DEFAULT_MINT_TTL_SECONDS)}, at most CALLER_TOKEN_MAX_TTL_SECONDS), for caller --sub
                         (default "cli"); refused in production unless --allow-production
  prefixes:unblock PREFIX
                         lift the block of a number range (e.g. +88212) the SMS-pumping defence
                         made for its low verification rate, before it expires (audited)
  --help                 this text

The command runs against DATABASE_URL, with the same configuration as the service.`;

/** Only errors reach stderr: the CLI sends nothing, so the delivery set-up warnings don't apply. */
const stderrLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (obj, msg) => process.stderr.write(`error: ${msg ?? JSON.stringify(obj)}\n`),
};

export async function runCli(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean' },
      username: { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      method: { type: 'string' },
      locale: { type: 'string' },
      days: { type: 'string' },
      scope: { type: 'string' },
      ttl: { type: 'string' },
      sub: { type: 'string' },
      'allow-production': { type: 'boolean' },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    out(usage);
    return command || values.help ? 0 : 2;
  }

  const config = loadConfig();
  // Needs no database: nothing is stored about a caller's token.
  if (command === 'tokens:mint') return mintToken(config, values, out, err);
  await applyMigrations(config.database);
  const database = createDatabase(config.database);
  await database.init();
  const services = createServices({
    sql: database.sql,
    clock: systemClock,
    delivery: createDelivery(config, stderrLogger),
    config,
    logger: stderrLogger,
    metrics: createMetrics(database),
  });
  try {
    switch (command) {
      case 'users:create': {
        const user = await services.users.create(
          {
          username: values.username ?? name ?? '',
          email: values.email,
          phoneNumber: values.phone,
          deliveryMethod: values.method === 'SMS' || values.method === 'EMAIL' ? values.method : undefined,
          locale: values.locale,
          },
          systemContext('cli'),
        );
        out(`created ${user.username} (id ${user.id}, ${user.deliveryMethod})`);
        return 0;
      }
      case 'prefixes:unblock': {
        const prefix = name ?? '';
        if (!/^\+\d{1,7}$/.test(prefix)) {
          err('error: give the number range to unblock, e.g. +88212');
          return 2;
        }
        const lifted = await services.prefixBlocks.unblock(prefix, systemContext('cli'));
        out(lifted ? `sends to ${prefix} are no longer blocked` : `${prefix} was not blocked`);
        return 0;
      }
      case 'users:show': {
        out(JSON.stringify(await services.users.describe(name ?? ''), null, 2));
        return 0;
      }
      case 'users:disable': {
        const user = await services.users.disableTwoFactor(name ?? '', systemContext('cli'));
        out(`two-factor authentication is off for ${user.username}; its app, pending codes and recovery codes were removed`);
        return 0;
      }
      case 'users:reinstate': {
        const user = await services.users.reinstateTwoFactor(name ?? '', systemContext('cli'));
        out(`second factors reinstated for ${user.username}`);
        return 0;
      }
      case 'logs:purge': {
        const days = values.days === undefined ? config.retention.logDays : Number(values.days);
        if (!Number.isInteger(days) || days < 1) {
          out('--days must be a whole number of at least 1');
          return 2;
        }
        const purged = await services.retention.purge(days);
        out(
          `deleted ${purged.codes} code records and ${purged.auditEvents} audit events older than ${purged.before.toISOString()}, ` +
            `and ${purged.events} security events with nothing left to send`,
        );
        return 0;
      }
      case 'keys:rotate': {
        if (config.security.encryptionKeyIsEphemeral) {
          err('ENCRYPTION_KEY is not set: there is no key to rotate to (set it to "newId:base64,oldId:base64", the new key first)');
          return 2;
        }
        // Safe while the service runs, and again: a value already under the newest key is left alone.
        const result = await services.keys.rotate(systemContext('rotate-keys'));
        const newest = config.security.encryptionKeys[0]?.id ?? '';
        out(
          `Re-encrypted under key "${newest}": ${result.reencrypted}; already current: ${result.alreadyCurrent}; ` +
            `changed meanwhile (kept): ${result.changedMeanwhile}`,
        );
        if (result.replaceable.length) {
          // A signing key can be replaced, unlike an app or webhook secret: a warning, not a failure.
          err(
            `No configured key opens the active ${result.replaceable.join(', ')}; instances with this ENCRYPTION_KEY cannot sign with it: ` +
              'add the key it was sealed under and run again, or replace it with keys:rotate-signing',
          );
        }
        if (!result.unreadable.length) return 0;
        err(`No configured key opens the secrets of ${result.unreadable.join(', ')}: add the key they were sealed under to ENCRYPTION_KEY and run again`);
        return 1;
      }
      case 'keys:rotate-signing': {
        if (config.security.resultTokenAlgorithm === 'HS256') {
          err('RESULT_TOKEN_ALGORITHM is HS256: result tokens are signed with SECRET_KEY, which has no key pair to rotate');
          return 2;
        }
        if (config.security.encryptionKeyIsEphemeral) {
          err('ENCRYPTION_KEY is not set: a new signing key would be unreadable to every other instance');
          return 2;
        }
        const rotated = await services.keys.rotateSigning(systemContext('cli'));
        out(
          `New ${config.security.resultTokenAlgorithm} signing key ${rotated.kid}; other instances use it within a minute. ` +
            `Retired: ${rotated.retired.join(', ') || 'none'} (published until ${rotated.publishedUntil.toISOString()})`,
        );
        return 0;
      }
      default:
        out(`unknown command: ${command}\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof DomainError) {
      out(`refused: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

async function mintToken(
  config: Config,
  values: { scope?: string; ttl?: string; sub?: string; 'allow-production'?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  try {
    const { token } = await mintCallerToken(config, systemClock, {
      scope: values.scope ?? '',
      ttlSeconds: values.ttl === undefined ? Math.min(DEFAULT_MINT_TTL_SECONDS, config.security.callerTokenMaxTtlSeconds) : Number(values.ttl),
      sub: values.sub ?? 'cli',
      allowProduction: values['allow-production'] === true,
    });
    // The token alone on stdout, so that token=$(npm run -s cli -- tokens:mint ...) works.
    out(token);
    return 0;
  } catch (error) {
    if (!(error instanceof CallerTokenRefusedError)) throw error;
    err(`refused: ${error.message}`);
    return 2;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  runCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
