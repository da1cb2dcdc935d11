import type { Page } from 'playwright-core';
import type { Browser } from './browser.js';

/**
 * The try page (/ui/ of the app at `origin`) with a virtual authenticator; every policy
 * violation it reports is kept.
 */
export async function openTryPage(browser: Browser | undefined, origin: string): Promise<{ page: Page; refused: string[] }> {
  if (!browser) throw new Error('the browser did not start');
  const page = await browser.context.newPage();
  page.setDefaultTimeout(60_000);
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  await page.goto(`${origin}/ui/`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { page, refused };
}

/** Each result token the challenge hands to the page, in order: `verified(n)` waits for the n-th. */
export async function collectVerified(page: Page) {
  await page.evaluate(`window.verified = []; document.addEventListener('fountain-2fa-verified', (e) => window.verified.push(e.detail))`);
  return async (count: number) => {
    // A function, not a string: the page's policy forbids eval, which a string predicate uses.
    await page.waitForFunction((n) => (globalThis as unknown as { verified: unknown[] }).verified.length >= n, count);
    return page.evaluate<{ token: string; method: string; assurance: string }>(`window.verified[${String(count - 1)}]`);
  };
}
