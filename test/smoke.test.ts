import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { createUser, requestCode, submitCode, verifiedAnswer } from './support/flows.js';

describe('smoke', () => {
  const app = useTestApp();

  it('creates a user, sends a code over REST and verifies it once', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const ok = await submitCode(app, username, code);
    expect(ok.json()).toEqual(verifiedAnswer());
    const again = await submitCode(app, username, code);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: 'The code has already been used; request a new one' });
  });
});
