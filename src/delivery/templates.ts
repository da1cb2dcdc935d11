import type { CodeMessage } from './delivery.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The email that carries a code: who sends it, the code, and how long it is valid. */
export function renderEmail(message: CodeMessage): RenderedEmail {
  const minutes = `${message.expiresInMinutes} minute${message.expiresInMinutes === 1 ? '' : 's'}`;
  const subject = 'Your FountainAI verification code';
  const text = [
    `Your FountainAI verification code is ${message.code}.`,
    '',
    `It is valid for ${minutes} and can be used once.`,
    'If you did not ask for this code, you can ignore this email; nobody can sign in without it.',
    '',
    '— FountainAI',
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><body style="font-family: sans-serif">
<p>Your FountainAI verification code is</p>
<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">${escapeHtml(message.code)}</p>
<p>It is valid for ${escapeHtml(minutes)} and can be used once.</p>
<p>If you did not ask for this code, you can ignore this email; nobody can sign in without it.</p>
<p>— FountainAI</p>
</body></html>`;
  return { subject, text, html };
}
