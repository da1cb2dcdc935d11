import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp, type AppDeps } from '../../src/app.js';
import type { Clock } from '../../src/clock/clock.js';
import { parseConfig } from '../../src/config/config.js';

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

/** A secret of production strength, so tests exercise the same code paths. */
export const TEST_SECRET = 'test-secret-key-of-at-least-32-characters!';

/** A fixed ENCRYPTION_KEY (32 bytes, base64) with the id `test`. */
export const TEST_ENCRYPTION_KEY = `test:${Buffer.alloc(32, 42).toString('base64')}`;

/** The environment every test app starts from; a test overrides what it is about. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    SECRET_KEY: TEST_SECRET,
    // One key for every app of a run, as instances of one deployment share theirs.
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    OTP_IN_RESPONSE: 'true',
    ...overrides,
  };
}

/** Builds the app (never a listening server) on this run's database. Close it after use. */
export async function createTestApp(overrides: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const app = await buildApp(parseConfig(testEnv(overrides)), deps);
  await app.ready();
  await app.start();
  return app;
}

/**
 * The app of one `describe` block, built by `createTestApp(overrides, deps)` before the block's
 * first test and closed after its last. Call it in the block's body. What it returns stands
 * for the app from then on: every property is read from the app built for the block (reading
 * one before it is built, while tests are being collected, throws).
 */
export function useTestApp(overrides: Record<string, string> = {}, deps: AppDeps = {}): TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await createTestApp(overrides, deps);
  });
  afterAll(() => app?.close());
  return new Proxy({} as TestApp, {
    get(_target, property) {
      if (!app) throw new Error(`useTestApp: the app is built in beforeAll; read app.${String(property)} in a hook or test`);
      const value: unknown = Reflect.get(app, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(app) : value;
    },
  });
}

/** A username no other test uses, so tests never share rows. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
