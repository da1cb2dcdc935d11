import { css } from 'lit';

/**
 * Both elements' look. Everything a host page may want to change is a custom property
 * (--fountain-2fa-*), inherited through the shadow root; the defaults follow the page's light or
 * dark scheme (color-scheme, prefers-color-scheme) and the page's font.
 */
export const sharedStyles = css`
  :host {
    --_accent: var(--fountain-2fa-accent, #1d4ed8);
    --_accent-text: var(--fountain-2fa-accent-text, #ffffff);
    --_background: var(--fountain-2fa-background, #ffffff);
    --_text: var(--fountain-2fa-text, #1f2937);
    --_muted: var(--fountain-2fa-muted, #4b5563);
    --_border: var(--fountain-2fa-border, #9ca3af);
    --_error: var(--fountain-2fa-error, #b91c1c);
    --_success: var(--fountain-2fa-success, #166534);
    --_radius: var(--fountain-2fa-radius, 0.5rem);
    display: block;
    color-scheme: light dark;
    max-width: var(--fountain-2fa-max-width, 28rem);
    padding: 1rem 1.25rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    font: var(--fountain-2fa-font, inherit);
    line-height: 1.45;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--fountain-2fa-accent, #93c5fd);
      --_accent-text: var(--fountain-2fa-accent-text, #0b1220);
      --_background: var(--fountain-2fa-background, #111827);
      --_text: var(--fountain-2fa-text, #f3f4f6);
      --_muted: var(--fountain-2fa-muted, #d1d5db);
      --_border: var(--fountain-2fa-border, #6b7280);
      --_error: var(--fountain-2fa-error, #fca5a5);
      --_success: var(--fountain-2fa-success, #86efac);
    }
  }
  h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
  h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
  p { margin: 0.5rem 0; }
  .muted { color: var(--_muted); }
  .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.75rem 0; }
  button {
    font: inherit;
    padding: 0.45rem 0.9rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_accent-text);
    cursor: pointer;
  }
  button.secondary { background: transparent; color: var(--_accent); }
  button:disabled { opacity: 0.6; cursor: progress; }
  button:focus-visible, input:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
  label { display: block; font-weight: 600; margin: 0.5rem 0 0.25rem; }
  input[type='text'] {
    font: inherit;
    padding: 0.4rem 0.6rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    min-width: 10rem;
  }
  .check { display: flex; align-items: center; gap: 0.4rem; font-weight: normal; }
  .error { color: var(--_error); }
  .success { color: var(--_success); }
  ul { list-style: none; padding: 0; margin: 0; }
  li { padding: 0.4rem 0; border-bottom: 1px solid var(--_border); }
  li:last-child { border-bottom: none; }
  code, .codes { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  .codes { display: grid; grid-template-columns: repeat(2, max-content); gap: 0.25rem 1.5rem; margin: 0.5rem 0; }
  img.qr { display: block; width: 12rem; height: 12rem; background: #ffffff; padding: 0.5rem; border-radius: var(--_radius); }
`;
