// A passkey in a real browser (Debian's chromium, driven by playwright-core) with a virtual
// authenticator (CDP WebAuthn: ctap2, internal, resident keys, user verification): a page on
// the service's origin registers a passkey and verifies with it, each ceremony through the
// GraphQL mutations, the options handed to navigator.credentials.create/get as a frontend
// would (PublicKeyCredential.parse…OptionsFromJSON) and the answers sent back as toJSON().
// The result token checks out. The service runs with WEBAUTHN_RP_ID=localhost and the page's
// origin in WEBAUTHN_ORIGINS. Each operation and its answer is written to
// test/.artifacts/passkey-ceremony*.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FinishPasskeyRegistrationDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeyVerificationDocument,
  UserFactorsDocument,
  VerifyPasskeyDocument,
} from './generated/graphql.js';
import type { TestApp } from './support/app.js';
import { servedToChromium, type Browser } from './support/browser.js';
import { createUser } from './support/flows.js';
import { execute } from './support/graphql.js';
import { checkResultToken } from './support/passkeys.js';

const artifacts = fileURLToPath(new URL('./.artifacts/', import.meta.url));
const record = `${artifacts}passkey-ceremony${process.env.TEST_DATABASE === 'postgres' ? '-postgres' : ''}.json`;

/** One GraphQL call the page made: what it sent and what it got. */
interface Call {
  operation: string;
  variables: Record<string, unknown>;
  answer: { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
}

/**
 * What the page runs, as a frontend would: start, hand the options to the browser's WebAuthn
 * API, send its answer back. Plain JavaScript in the page (the tests' TypeScript has no DOM).
 */
const ceremonies = `async ({ username, documents }) => {
  const calls = [];
  const graphql = async (operation, variables) => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: documents[operation], variables }),
    });
    const answer = await response.json();
    calls.push({ operation, variables, answer });
    return answer.data?.[operation[0].toLowerCase() + operation.slice(1)];
  };

  const registration = await graphql('StartPasskeyRegistration', { username });
  const created = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(registration.options),
  });
  await graphql('FinishPasskeyRegistration', { username, response: created.toJSON(), name: 'Chromium virtual authenticator' });

  const verification = await graphql('StartPasskeyVerification', { username });
  const asserted = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(verification.options),
  });
  await graphql('VerifyPasskey', { username, response: asserted.toJSON() });
  return calls;
}`;

describe('a passkey in Chromium', { timeout: 120_000 }, () => {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let origin = '';
  let close = async () => {};

  beforeAll(async () => {
    ({ app, browser, origin, close } = await servedToChromium((at) => ({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: at })));
  }, 120_000);

  afterAll(() => close());

  async function pageWithAuthenticator(): Promise<{ page: Page; credentials: () => Promise<{ signCount: number; isResidentCredential: boolean }[]> }> {
    if (!browser) throw new Error('the browser did not start');
    const page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${origin}/`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return { page, credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials };
  }

  it('registers a passkey and verifies with it through the GraphQL mutations; the result token checks out', async () => {
    if (!app) throw new Error('the app did not start');
    const username = await createUser(app);
    const { page, credentials } = await pageWithAuthenticator();
    const documents = Object.fromEntries(
      [StartPasskeyRegistrationDocument, FinishPasskeyRegistrationDocument, StartPasskeyVerificationDocument, VerifyPasskeyDocument].map((document) => {
        const source = print(document);
        return [/mutation (\w+)/.exec(source)?.[1] ?? '', source];
      }),
    );
    const calls = await page.evaluate<Call[]>(`(${ceremonies})(${JSON.stringify({ username, documents })})`);
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(record, `${JSON.stringify(calls, null, 2)}\n`);

    const answer = (operation: string) => {
      const call = calls.find((c) => c.operation === operation);
      expect(call?.answer.errors, JSON.stringify(call)).toBeUndefined();
      return Object.values(call?.answer.data ?? {})[0] ?? {};
    };
    expect(answer('StartPasskeyRegistration')).toMatchObject({
      __typename: 'StartPasskeyRegistrationPayload',
      options: { rp: { id: 'localhost', name: 'FountainAI' }, attestation: 'none', authenticatorSelection: { userVerification: 'required' } },
    });
    expect(answer('FinishPasskeyRegistration')).toMatchObject({
      __typename: 'Passkey',
      name: 'Chromium virtual authenticator',
      transports: ['internal'],
    });
    const verified = answer('VerifyPasskey');
    expect(verified).toMatchObject({ __typename: 'VerifyOtpPayload', success: true, username, method: 'passkey' });
    const claims = await checkResultToken(app, String(verified.token));
    expect(claims).toMatchObject({ sub: username, acr: 'phr', amr: ['pop', expect.stringMatching(/^[hs]wk$/), 'user'] });

    // The authenticator holds one discoverable credential, used once since it was made.
    const [credential, ...others] = await credentials();
    expect(others).toEqual([]);
    expect(credential?.isResidentCredential).toBe(true);
    const { user } = await execute(app, UserFactorsDocument, { username });
    expect(user?.passkeys).toHaveLength(1);
    expect(user?.passkeys[0]?.lastUsedAt).not.toBeNull();
    expect(user?.factors.filter((f) => f.phishingResistant).map((f) => f.kind)).toEqual(['PASSKEY']);
    await page.close();
  });
});
