import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { buildApp, type AppDeps } from '../../src/app.js';
import type { Clock } from '../../src/clock/clock.js';
import { parseConfig } from '../../src/config/config.js';

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

/** A secret of production strength, so tests exercise the same code paths. */
export const TEST_SECRET = 'test-secret-key-of-at-least-32-characters!';

/** The environment every test app starts from; a test overrides what it is about. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    SECRET_KEY: TEST_SECRET,
    OTP_IN_RESPONSE: 'true',
    ...overrides,
  };
}

/** Builds the app (never a listening server) on this run's database. Close it after use. */
export async function createTestApp(overrides: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const app = await buildApp(parseConfig(testEnv(overrides)), deps);
  await app.ready();
  return app;
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
