// The try page (GET /ui/ in development): asks the service for a development token for the
// user typed, then hands it to both elements, and shows the result token's claims.
import type { VerifiedDetail } from '../src/challenge.js';

const form = document.querySelector<HTMLFormElement>('#who');
const problem = document.querySelector<HTMLElement>('#problem');
const stage = document.querySelector<HTMLElement>('#stage');
const result = document.querySelector<HTMLElement>('#result');
const minimum = document.querySelector<HTMLSelectElement>('#minimum');
const challenge = document.querySelector('fountain-2fa-challenge');
const factors = document.querySelector('fountain-2fa-factors');

/** A JWT's claims, for showing: the page checks nothing, the backend does (JWKS). */
function claimsOf(token: string): unknown {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as unknown;
}

form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const field = (name: string) => form.querySelector<HTMLInputElement>(`#${name}`)?.value.trim() ?? '';
  const username = field('username');
  const email = field('email');
  void (async () => {
    if (problem) problem.textContent = '';
    const response = await fetch('/ui/try/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, ...(email ? { email } : {}) }),
    });
    const answer = (await response.json()) as { token?: string; detail?: unknown };
    if (!response.ok || !answer.token) {
      if (problem) problem.textContent = `The service refused: ${JSON.stringify(answer.detail ?? answer)}`;
      return;
    }
    for (const element of [challenge, factors]) {
      if (!element) continue;
      element.endpoint = '/graphql';
      element.token = answer.token;
      element.username = username;
    }
    if (stage) stage.hidden = false;
  })();
});

minimum?.addEventListener('change', () => {
  if (challenge) challenge.minimumAssurance = minimum.value || undefined;
});

// Adding a factor changes what the challenge offers.
factors?.addEventListener('fountain-2fa-changed', () => void challenge?.refresh());

challenge?.addEventListener('fountain-2fa-verified', (event) => {
  const { token } = (event as CustomEvent<VerifiedDetail>).detail;
  if (result) result.textContent = JSON.stringify(claimsOf(token), null, 2);
  // The verification may have remembered this device: the list shows it.
  void factors?.refresh();
});
