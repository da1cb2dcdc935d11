// The drop-in components in a real browser (Debian's chromium, playwright-core, a CDP virtual
// authenticator), on the development try page at /ui/: a user enrols an authenticator app by
// reading the secret from the QR code's otpauth URI, registers a passkey, gets recovery codes
// shown once, and steps up through <fountain-2fa-challenge> with each factor (a wrong code first,
// which shows the attempts left); a remembered device passes the next challenge without a
// factor until it is revoked; once with the keyboard only, once in German. axe-core finds no serious or
// critical violation in either element, light and dark; the page's policy refuses nothing the
// elements do. Screenshots of each state go to test/.artifacts/ui-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import jsqr from 'jsqr';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock/clock.js';
import { uniqueName, type TestApp } from './support/app.js';
import { servedToChromium, type Browser } from './support/browser.js';
import { checkResultToken } from './support/passkeys.js';
import { appCode } from './support/totp.js';
import { collectVerified, openTryPage } from './support/try-page.js';
import { buildWeb } from './support/web-build.js';

const artifacts = fileURLToPath(new URL('./.artifacts/', import.meta.url));
const suffix = process.env.TEST_DATABASE === 'postgres' ? '-postgres' : '';
// jsqr is CommonJS whose module.exports is the function and carries it as .default too.
const jsQR = jsqr.default;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Real time, moved on by the test: each app code below falls in a time step of its own. */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };
const nextStep = () => (offset += 30_000);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

describe('the components on the try page, in Chromium', { timeout: 240_000 }, () => {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let origin = '';
  let close = async () => {};

  beforeAll(async () => {
    buildWeb();
    mkdirSync(artifacts, { recursive: true });
    ({ app, browser, origin, close } = await servedToChromium((at) => ({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: at, ALLOW_ANONYMOUS_CALLERS: 'false' }), {
      clock,
    }));
  }, 120_000);

  afterAll(() => close());

  const shot = (page: Page, state: string) => page.screenshot({ path: `${artifacts}ui-${state}${suffix}.png`, fullPage: true });

  /** The authenticator app's secret, read off the QR code the element shows, as a phone would. */
  async function qrSecret(factors: Locator): Promise<string> {
    const qr = factors.locator('img.qr');
    await qr.waitFor();
    const pixels = await qr.evaluate((img: HTMLImageElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d');
      context?.drawImage(img, 0, 0);
      return { width: canvas.width, height: canvas.height, data: Array.from(context?.getImageData(0, 0, canvas.width, canvas.height).data ?? []) };
    });
    const uri = jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data ?? '';
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const secret = new URL(uri).searchParams.get('secret') ?? '';
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    return secret;
  }

  async function axe(page: Page, scheme: 'light' | 'dark'): Promise<AxeViolation[]> {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(`${axeSource};0`);
    const results = await page.evaluate<{ violations: AxeViolation[] }>(`axe.run(['fountain-2fa-challenge', 'fountain-2fa-factors'], { resultTypes: ['violations'] })`);
    return results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  }

  it('enrols an app from its QR code, registers a passkey, shows recovery codes once, and steps up with each factor', async () => {
    if (!app) throw new Error('the app did not start');
    const username = uniqueName('ui');
    const { page, refused } = await openTryPage(browser, origin);
    const verified = await collectVerified(page);
    await shot(page, 'start');
    await page.fill('#username', username);
    await page.click('button[type=submit]');
    const factors = page.locator('fountain-2fa-factors');
    const challenge = page.locator('fountain-2fa-challenge');
    await factors.locator('#enroll-app').waitFor();
    await challenge.getByText('None of your sign-in methods').waitFor();
    await shot(page, 'no-factors');

    // The authenticator app: the secret is read off the QR code, as a phone would.
    await factors.locator('#enroll-app').click();
    await factors.locator('img.qr').waitFor();
    await shot(page, 'app-qr-code');
    const secret = await qrSecret(factors);
    await factors.locator('#app-code').fill(appCode(secret, clock.now()));
    await factors.getByRole('button', { name: 'Confirm' }).click();
    await factors.getByText('Authenticator app is set up.').waitFor();

    // A passkey, registered through the virtual authenticator. A second factor needs a fresh
    // proof of the user: the factors element asks for one with the challenge, then goes on.
    await factors.locator('#add-passkey').click();
    const proof = factors.locator('fountain-2fa-challenge');
    await proof.locator('#code').waitFor();
    await shot(page, 'fresh-proof');
    nextStep();
    await proof.locator('#code').fill(appCode(secret, clock.now()));
    await proof.getByRole('button', { name: 'Verify' }).click();
    await factors.getByText('Passkey added.').waitFor();
    expect(await factors.getByRole('list', { name: 'Passkeys' }).getByRole('listitem').count()).toBe(1);

    // Recovery codes: shown this once, gone when the user says they are kept.
    await factors.locator('#new-codes').click();
    const shown = factors.locator('[data-recovery-codes] span');
    await shown.first().waitFor();
    const codes = await shown.allTextContents();
    expect(codes.length).toBeGreaterThanOrEqual(8);
    await shot(page, 'recovery-codes');
    await factors.getByRole('button', { name: 'Done' }).click();
    await factors.locator('[data-recovery-codes]').waitFor({ state: 'detached' });
    expect(await factors.getByText(codes[0] ?? '-').count()).toBe(0);
    await shot(page, 'factors');

    // A wrong code says how many attempts are left.
    const code = challenge.locator('#code');
    await code.fill('000000');
    await challenge.getByRole('button', { name: 'Verify' }).click();
    await challenge.getByRole('alert').filter({ hasText: /That code is wrong\. \d+ attempts? left\./ }).waitFor();
    await shot(page, 'challenge-wrong-code');

    // The app's next code.
    nextStep();
    await code.fill(appCode(secret, clock.now()));
    await challenge.getByRole('button', { name: 'Verify' }).click();
    const byApp = await verified(1);
    expect(byApp).toMatchObject({ method: 'totp', assurance: 'AAL2' });
    expect(await checkResultToken(app, byApp.token)).toMatchObject({ sub: username });
    await challenge.getByText('Verified.').waitFor();
    await shot(page, 'challenge-verified');

    // A passkey, with the minimum raised so that nothing else is offered; this device is remembered.
    await page.selectOption('#minimum', 'PHISHING_RESISTANT');
    await challenge.locator('#code').waitFor({ state: 'detached' });
    await challenge.getByRole('checkbox', { name: 'Remember this device' }).check();
    await shot(page, 'challenge-phishing-resistant');
    await challenge.getByRole('button', { name: 'Use a passkey' }).click();
    const byPasskey = await verified(2);
    expect(byPasskey).toMatchObject({ method: 'passkey', assurance: 'PHISHING_RESISTANT' });
    expect(await checkResultToken(app, byPasskey.token)).toMatchObject({ sub: username, acr: 'phr' });
    const devices = factors.getByRole('list', { name: 'Remembered devices' }).getByRole('listitem');
    await devices.filter({ hasText: 'this device' }).waitFor();

    // The next challenge passes on the remembered device, without a factor.
    await page.selectOption('#minimum', 'AAL2');
    const byDevice = await verified(3);
    expect(byDevice).toMatchObject({ method: 'device', assurance: 'PHISHING_RESISTANT' });
    expect(await checkResultToken(app, byDevice.token)).toMatchObject({ sub: username, acr: 'phr' });
    await challenge.getByText('Verified.').waitFor();
    await shot(page, 'challenge-remembered-device');

    // Revoked, the device passes no more: the challenge asks for a factor again.
    await devices.getByRole('button', { name: /^Revoke/ }).click();
    await factors.getByText('Device revoked.').waitFor();
    await factors.getByText('No remembered device.').waitFor();
    await challenge.locator('#code').waitFor();
    await shot(page, 'device-revoked');

    // A recovery code.
    await challenge.locator('#code').fill(codes[1] ?? '');
    await challenge.getByRole('button', { name: 'Verify' }).click();
    expect(await verified(4)).toMatchObject({ method: 'recovery' });

    for (const scheme of ['light', 'dark'] as const) {
      await page.selectOption('#minimum', '');
      await challenge.locator('#code').waitFor();
      expect(await axe(page, scheme), scheme).toEqual([]);
      await shot(page, scheme);
    }
    expect(refused).toEqual([]);
    await page.close();
  });

  it('steps up with the keyboard only', async () => {
    if (!app) throw new Error('the app did not start');
    const username = uniqueName('ui-keys');
    // The user sets up an app as the first test did; then, on a fresh page, only keys are pressed.
    // That page speaks German: the elements take the language of the page.
    const setup = await openTryPage(browser, origin);
    await setup.page.evaluate(() => document.documentElement.setAttribute('lang', 'de'));
    await setup.page.fill('#username', username);
    await setup.page.click('button[type=submit]');
    const setupFactors = setup.page.locator('fountain-2fa-factors');
    await setupFactors.getByRole('button', { name: 'Authenticator-App einrichten' }).click();
    const secret = await qrSecret(setupFactors);
    await setupFactors.locator('#app-code').fill(appCode(secret, clock.now()));
    await setupFactors.getByRole('button', { name: 'Bestätigen' }).click();
    await setupFactors.getByText('Die Authenticator-App ist eingerichtet.').waitFor();
    await setup.page.locator('fountain-2fa-challenge').getByText('Geben Sie den Code aus Ihrer Authenticator-App ein').waitFor();
    await shot(setup.page, 'german');
    await setup.page.close();

    const { page } = await openTryPage(browser, origin);
    const verified = await collectVerified(page);
    await page.keyboard.press('Tab');
    await page.keyboard.type(username);
    await page.keyboard.press('Enter');
    await page.locator('fountain-2fa-challenge #code').waitFor();
    // Tab through the page until the challenge's code field has the focus.
    const focusedId = `(() => { const host = document.activeElement; return (host?.localName ?? '') + '#' + (host?.shadowRoot?.activeElement?.id ?? host?.id ?? ''); })()`;
    let reached = false;
    for (let presses = 0; presses < 40 && !reached; presses++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate<string>(focusedId)) === 'fountain-2fa-challenge#code';
    }
    expect(reached).toBe(true);
    nextStep();
    await page.keyboard.type(appCode(secret, clock.now()));
    await page.keyboard.press('Enter');
    expect(await verified(1)).toMatchObject({ method: 'totp' });
    await shot(page, 'keyboard-verified');
    await page.close();
  });
});
