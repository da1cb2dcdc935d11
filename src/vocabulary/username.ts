/**
 * One identity per visible name. A username reaches the service in whatever Unicode form the
 * caller's keyboard, OS or framework produced: `café` may come precomposed (NFC) or as `e` plus
 * a combining accent (NFD), which look the same and are different strings. Every entry (create,
 * lookups, generate, verify) takes the NFC form, so both spellings name one user. Creation also
 * refuses a name that only looks like an existing one: the key (NFKC, then case folded) is
 * unique, so `Alice`, `alice` and fullwidth `ａｌｉｃｅ` are one name.
 */

/** The form a username is stored and looked up in. */
export function normaliseUsername(username: string): string {
  // `normalize` of a string with a lone surrogate keeps it; such a name is refused or not found later.
  return username.normalize('NFC');
}

/**
 * What two names that look alike have in common: compatibility forms folded (fullwidth,
 * ligatures, superscripts), then case folded. Lower, upper, lower case is a full fold for the
 * cases that matter here (`ß`, `ẞ` and `SS`; `ς` and `σ`; `ǅ`); the last NFKC puts what the
 * folding decomposed back in one form. Legacy ASCII names got the same key from the migration: their lower case.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}
