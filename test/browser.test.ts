// The two pages people open in a browser, in a real one (Debian's chromium): GraphiQL at
// /graphql runs a query typed into its editor, and /docs lists the legacy REST routes, both
// under their Content-Security-Policy without one violation or console error.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/app.js';
import { launchChromium, type Browser } from './support/browser.js';
import { createUser } from './support/flows.js';

const artifacts = fileURLToPath(new URL('./.artifacts/', import.meta.url));
// One file per project: both run at once.
const screenshot = `${artifacts}graphiql${process.env.TEST_DATABASE === 'postgres' ? '-postgres' : ''}.png`;

/** The text of an element as a reader sees it (Monaco lays text out with non-breaking spaces). */
async function visibleText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');
}

describe('in a browser', { timeout: 120_000 }, () => {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    const started = await createTestApp({ GRAPHIQL: 'true', GRAPHQL_INTROSPECTION: 'true' });
    app = started;
    baseUrl = await started.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** What went wrong on a page: CSP violations (the page's and its workers'), console errors, uncaught errors. */
  // A blocked data: URL would fill the report with its base64; the start says what it was.
  const problems = new WeakMap<Page, string[]>();

  async function open(path: string): Promise<Page> {
    if (!browser) throw new Error('the browser did not start');
    const page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);
    const seen: string[] = [];
    problems.set(page, seen);
    // Chromium reports a blocked load or script as a console error too; the event names the directive.
    await page.exposeFunction('reportViolation', (text: string) => seen.push(`violation: ${text}`.slice(0, 300)));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        void (window as unknown as { reportViolation(text: string): Promise<void> }).reportViolation(
          `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${String(event.lineNumber)})`,
        );
      });
    });
    page.on('console', (message) => {
      if (message.type() === 'error') seen.push(`console: ${message.text()}`.slice(0, 300));
    });
    page.on('pageerror', (error) => seen.push(`error: ${error.message}`));
    page.on('worker', (worker) => worker.on('console', (message) => {
      if (message.type() === 'error') seen.push(`worker console: ${message.text()}`.slice(0, 300));
    }));
    const response = await page.goto(`${baseUrl}${path}`);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy, 'the page has a policy').toContain("script-src 'self'");
    expect(policy).not.toContain("'unsafe-eval'");
    expect(policy.match(/script-src ([^;]*)/)?.[1]).not.toContain("'unsafe-inline'");
    return page;
  }

  function expectNoProblems(page: Page) {
    expect(problems.get(page)).toEqual([]);
  }

  it('GraphiQL shows the example operations and runs a query typed into its editor', async () => {
    if (!app) throw new Error('the app did not start');
    const username = await createUser(app);
    const page = await open('/graphql');
    const editor = page.locator('.graphiql-query-editor .monaco-editor');
    await editor.waitFor();
    // The examples from schema/operations, a tab per journey, each named after its first operation.
    await page.locator('.graphiql-tab', { hasText: 'GenerateOtp' }).waitFor();
    expect(await page.locator('.graphiql-tab').count()).toBeLessThanOrEqual(8);

    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(`query TypedInTheBrowser { user(username: "${username}") { username email otpEnabled } }`);
    await page.getByRole('button', { name: /prettify/i }).click();
    // GraphiQL reads the edited document after a short debounce; run only once it has (the
    // tab takes the operation's name), or it would ask for the previous operation by name.
    await page.locator('.graphiql-tab-active', { hasText: 'TypedInTheBrowser' }).waitFor();
    await page.locator('.graphiql-execute-button').click();

    await page.locator('.graphiql-response', { hasText: username }).waitFor();
    const result = await visibleText(page, '.graphiql-response');
    expect(result).toContain(`"username": "${username}"`);
    expect(result).toContain('"email": "alice@example.com"');
    expect(result).toContain('"otpEnabled": true');

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: screenshot });
    expectNoProblems(page);
    await page.close();
  });

  it('/docs lists the legacy REST routes', async () => {
    const page = await open('/docs');
    for (const path of ['/auth/generate', '/auth/verify']) {
      await page.locator(`.opblock-summary-path[data-path="${path}"]`).waitFor();
    }
    expect(await visibleText(page, '.swagger-ui .info .title')).toContain('FountainAI 2FA Service');
    // Open a route: its schemas render, and Try it out is offered.
    await page.locator('.opblock-summary-path[data-path="/auth/verify"]').click();
    await page.getByRole('button', { name: /try it out/i }).first().waitFor();
    expectNoProblems(page);
    await page.close();
  });
});
