import type { Catalogue } from './catalogue.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { it } from './it.js';
import { pt } from './pt.js';

/** The languages messages are written in, one catalogue each; a user's `locale` picks one. */
export const catalogues = { en, de, fr, es, pt, it } satisfies Record<string, Catalogue>;
export type Locale = keyof typeof catalogues;
export const locales = Object.keys(catalogues) as Locale[];
export const defaultLocale: Locale = 'en';

const isLocale = (tag: string): tag is Locale => Object.hasOwn(catalogues, tag);

/**
 * The catalogue for a language tag, by RFC 4647 lookup: the whole tag, then without its last
 * subtag, and so on (`pt-BR` -> `pt`), then English. Unknown or missing tags (a legacy row) get English.
 */
export function localeOf(tag: string | null | undefined): Locale {
  const subtags = (tag ?? '').toLowerCase().split('-');
  for (let length = subtags.length; length > 0; length--) {
    const candidate = subtags.slice(0, length).join('-');
    if (isLocale(candidate)) return candidate;
  }
  return defaultLocale;
}

/** A language we write, optionally with a region (`pt`, `pt-BR`, `fr-CA`, `es-419`): what a user's `locale` may be. */
const acceptedTag = /^([a-z]{2})(?:-(?:[A-Z]{2}|\d{3}))?$/;

export function isAcceptedLocale(tag: string): boolean {
  const language = acceptedTag.exec(tag)?.[1];
  return language !== undefined && isLocale(language);
}

export const ACCEPTED_LOCALES_MESSAGE = `must be one of ${locales.join(', ')}, optionally with a region (e.g. pt-BR)`;
