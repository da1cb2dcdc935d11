// Managed PostgreSQL usually sits behind PgBouncer in transaction mode: each transaction (each
// statement outside one) may run on another server connection. Debian's PgBouncer 1.18 does
// not carry named prepared statements across them, so the hot path's named statements break
// there; `?pgbouncer=true` on DATABASE_URL makes them unnamed. Here generate and verify on
// both surfaces, many at once over a pool of three server connections, through a real
// PgBouncer; the migrations run on DIRECT_DATABASE_URL, and through PgBouncer too.
import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { GenerateOtpDocument, VerifyOtpDocument } from '../generated/graphql.js';
import { migrationNames } from '../support/db.js';
import { remoteCreateUser, remoteGraphql, remoteRequestCode, remoteVerify, type RemoteAnswer } from '../support/remote.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startTestPgBouncer, type TestPgBouncer } from '../support/pgbouncer.js';

const USERS = 24;
const SERVER_CONNECTIONS = 3;

describe('through PgBouncer 1.18 in transaction pooling mode', () => {
  let bouncer: TestPgBouncer;
  let service: ServiceProcess | undefined;
  let pooledUrl: string;

  beforeAll(async () => {
    const direct = new URL(inject('databaseUrl'));
    bouncer = await startTestPgBouncer({ server: direct.host, users: [direct.username || 'postgres'], serverPoolSize: SERVER_CONNECTIONS });
    const pooled = new URL(bouncer.through(direct.toString()));
    pooled.searchParams.set('pgbouncer', 'true');
    pooledUrl = pooled.toString();
    service = await startServiceProcess({
      env: {
        DATABASE_URL: pooledUrl,
        DIRECT_DATABASE_URL: direct.toString(),
        DATABASE_POOL_SIZE: '20',
        ALLOW_ANONYMOUS_CALLERS: 'true',
        IP_RATE_LIMIT: '0',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await bouncer.stop();
  });

  const running = () => {
    if (!service) throw new Error('the service did not start');
    return service;
  };
  const explain = (answers: RemoteAnswer[]) => `${answers.map((a) => `${a.status} ${a.text}`).join('\n')}\n${bouncer.log()}`;

  it(`serves generate and verify over REST for ${USERS} users at once`, async () => {
    const { url } = running();
    const users = await Promise.all(Array.from({ length: USERS }, () => remoteCreateUser(url)));
    const codes = await Promise.all(users.map((username) => remoteRequestCode(url, username)));
    const answers = await Promise.all(users.map((username, i) => remoteVerify(url, username, codes[i] ?? '')));
    expect(answers.map((a) => [a.status, (a.body as { success?: boolean }).success]), explain(answers)).toEqual(
      users.map(() => [200, true]),
    );
    // a used code stays used, wherever the next statement lands
    const replays = await Promise.all(users.map((username, i) => remoteVerify(url, username, codes[i] ?? '')));
    expect(replays.map((a) => a.status), explain(replays)).toEqual(users.map(() => 400));
  });

  it(`serves generateOtp and verifyOtp over GraphQL for ${USERS} users at once`, async () => {
    const { url } = running();
    const users = await Promise.all(Array.from({ length: USERS }, () => remoteCreateUser(url)));
    const generated = await Promise.all(users.map((username) => remoteGraphql(url, print(GenerateOtpDocument), { username })));
    const codes = generated.map((answer) => {
      const payload = answer.body.data?.generateOtp as { __typename: string; otpCode?: string } | undefined;
      expect(payload?.__typename, explain([answer])).toBe('GenerateOtpPayload');
      return payload?.otpCode ?? '';
    });
    const verified = await Promise.all(users.map((username, i) => remoteGraphql(url, print(VerifyOtpDocument), { username, code: codes[i] })));
    expect(
      verified.map((answer) => answer.body.data?.verifyOtp),
      explain(verified),
    ).toEqual(users.map((username) => expect.objectContaining({ __typename: 'VerifyOtpPayload', success: true, username }) as unknown));
  });

  it('mixes REST and GraphQL, generate and verify, on one pool', async () => {
    const { url } = running();
    const users = await Promise.all(Array.from({ length: USERS }, () => remoteCreateUser(url)));
    const answers = await Promise.all(
      users.map(async (username, i) => {
        const code = await remoteRequestCode(url, username);
        return i % 2 === 0
          ? (await remoteVerify(url, username, code)).status
          : ((await remoteGraphql(url, print(VerifyOtpDocument), { username, code })).body.data?.verifyOtp as { __typename: string })
              .__typename;
      }),
    );
    expect(answers).toEqual(users.map((_, i) => (i % 2 === 0 ? 200 : 'VerifyOtpPayload')));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('needs ?pgbouncer=true: named statements fail through PgBouncer 1.18, unnamed ones do not', async () => {
    /** Runs the same hot-path statement 200 times, 40 at a time, on a pool of 20 through PgBouncer. */
    const load = async (url: string) => {
      const database = createDatabase(parseConfig({ DATABASE_URL: url, DATABASE_POOL_SIZE: '20' }).database);
      try {
        const runs = Array.from({ length: 200 }, (_, i) => () => database.sql.rows<{ n: number }>`SELECT ${i}::int AS n`);
        const results: PromiseSettledResult<{ n: number }[]>[] = [];
        for (let i = 0; i < runs.length; i += 40) results.push(...(await Promise.allSettled(runs.slice(i, i + 40).map((run) => run()))));
        return results;
      } finally {
        await database.close();
      }
    };
    const named = new URL(pooledUrl);
    named.searchParams.delete('pgbouncer');
    const failures = (await load(named.toString())).filter((result) => result.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    expect(String(failures[0]?.reason)).toMatch(/prepared statement "hot_\d+" (does not exist|already exists)/);

    const unnamed = await load(pooledUrl);
    expect(unnamed.map((result) => (result.status === 'fulfilled' ? result.value[0]?.n : String(result.reason)))).toEqual(
      unnamed.map((_, i) => i),
    );
  });

  it('applies migrations through PgBouncer too, each once, when several instances start at once', async () => {
    // an empty database (createPrivateDatabase's come migrated)
    const name = `twofa_pgbouncer_${randomUUID().slice(0, 8)}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: inject('databaseUrl') });
      await client.connect();
      await client.query(sql).finally(() => client.end());
    };
    await admin(`CREATE DATABASE ${name}`);
    const direct = new URL(inject('databaseUrl'));
    direct.pathname = `/${name}`;
    try {
      const config = parseConfig({ DATABASE_URL: `${bouncer.through(direct.toString())}?pgbouncer=true` }).database;
      expect(config.migrationUrl).toBe(config.url);
      const applied = await Promise.all([applyMigrations(config), applyMigrations(config), applyMigrations(config)]);
      expect(applied.flat().sort()).toEqual(migrationNames('postgres'));
      expect(await applyMigrations(config)).toEqual([]);
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

describe('DIRECT_DATABASE_URL', () => {
  it('is where migrations run; the service itself uses DATABASE_URL', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgresql://app@pooler:6432/twofa?pgbouncer=true',
      DIRECT_DATABASE_URL: 'postgresql://app@db:5432/twofa',
    }).database;
    expect(config).toMatchObject({
      url: 'postgresql://app@pooler:6432/twofa?pgbouncer=true',
      migrationUrl: 'postgresql://app@db:5432/twofa',
      pgbouncer: true,
    });
    expect(parseConfig({ DATABASE_URL: 'postgresql://app@db:5432/twofa' }).database).toMatchObject({
      migrationUrl: 'postgresql://app@db:5432/twofa',
      pgbouncer: false,
    });
    expect(() => parseConfig({ DATABASE_URL: 'postgresql://x@y/z', DIRECT_DATABASE_URL: 'mysql://x' })).toThrow(/DIRECT_DATABASE_URL/);
  });
});
