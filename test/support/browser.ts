import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createTestApp, type TestApp } from './app.js';
import { freePort } from './net.js';

/** Debian's chromium package (`apt-get install -y chromium`; `.ci/run` installs it when missing). */
export const chromiumPath = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium on a fresh profile that is deleted on close. The flags keep it off
 * the network except for the pages a test opens, and quiet on a machine without a GPU.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'twofa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A test app listening on a port of its own, at `http://localhost:PORT` (`localhost`, not
 * 127.0.0.1: a WebAuthn RP id is a domain name, and the page's must match it), and Chromium to
 * open it. `env` is given that origin, for the settings that name it.
 */
export async function servedToChromium(
  env: (origin: string) => Record<string, string>,
  options?: Parameters<typeof createTestApp>[1],
): Promise<{ app: TestApp; browser: Browser; origin: string; close: () => Promise<void> }> {
  const port = await freePort();
  const origin = `http://localhost:${String(port)}`;
  const app = await createTestApp(env(origin), options);
  try {
    await app.listen({ port, host: '127.0.0.1' });
    const browser = await launchChromium();
    return {
      app,
      browser,
      origin,
      close: async () => {
        await browser.close();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}
