import type { Channel } from './channel.js';

/**
 * What a proof reaches, weakest first (docs/assurance.md). NIST SP 800-63B rev 4 ranks the
 * methods this service offers very differently: an emailed code is not an acceptable
 * out-of-band authenticator (§3.1.3.1), SMS is "restricted" (§3.1.3.3), an authenticator app
 * or a look-up secret is a second factor acceptable at AAL2, and a passkey that verified the
 * user is phishing-resistant (§2.2.2). The order is what a minimum compares against.
 */
export const assuranceLevels = ['EMAIL_CODE', 'AAL2_RESTRICTED', 'AAL2', 'PHISHING_RESISTANT'] as const;
export type AssuranceLevel = (typeof assuranceLevels)[number];

/**
 * The result token's `acr` for each level: the OpenID EAP value `phr` where one is registered,
 * URNs of our own elsewhere (OpenID Connect asks for an absolute URI or a registered name).
 */
export const acrOf: Record<AssuranceLevel, string> = {
  EMAIL_CODE: 'urn:fountainai:2fa:acr:email',
  AAL2_RESTRICTED: 'urn:fountainai:2fa:acr:aal2:restricted',
  AAL2: 'urn:fountainai:2fa:acr:aal2',
  PHISHING_RESISTANT: 'phr',
};

/** The level an `acr` names, or undefined for a value this service never issues. */
export function levelOfAcr(acr: unknown): AssuranceLevel | undefined {
  return assuranceLevels.find((level) => acrOf[level] === acr);
}

/** Whether `level` reaches `minimum`; no minimum: anything does (callers that ask for none see no change). */
export function meets(level: AssuranceLevel, minimum: AssuranceLevel | undefined): boolean {
  return minimum === undefined || assuranceLevels.indexOf(level) >= assuranceLevels.indexOf(minimum);
}

/** The kinds of factor a user can have, as a frontend offers them. */
export const factorKinds = ['EMAIL_CODE', 'SMS_CODE', 'WHATSAPP_CODE', 'VOICE_CODE', 'AUTHENTICATOR_APP', 'RECOVERY_CODES', 'PASSKEY'] as const;
export type FactorKind = (typeof factorKinds)[number];

/**
 * The best each kind of factor can reach. A passkey reaches PHISHING_RESISTANT only when the
 * authenticator verifies the user, which a ceremony asked for that level requires.
 */
export const factorLevel: Record<FactorKind, AssuranceLevel> = {
  EMAIL_CODE: 'EMAIL_CODE',
  SMS_CODE: 'AAL2_RESTRICTED',
  WHATSAPP_CODE: 'AAL2_RESTRICTED',
  VOICE_CODE: 'AAL2_RESTRICTED',
  AUTHENTICATOR_APP: 'AAL2',
  RECOVERY_CODES: 'AAL2',
  PASSKEY: 'PHISHING_RESISTANT',
};

/** How a factor is named in words, for messages a frontend may show. */
export const factorWords: Record<FactorKind, string> = {
  EMAIL_CODE: 'a code by email',
  SMS_CODE: 'a code by SMS',
  WHATSAPP_CODE: 'a code by WhatsApp',
  VOICE_CODE: 'a code read out by a phone call',
  AUTHENTICATOR_APP: 'an authenticator app',
  RECOVERY_CODES: 'a recovery code',
  PASSKEY: 'a passkey',
};

export const levelWords: Record<AssuranceLevel, string> = {
  EMAIL_CODE: 'any second factor',
  AAL2_RESTRICTED: 'a second factor acceptable at AAL2 (SMS included)',
  AAL2: 'a second factor acceptable at AAL2 (not email or SMS)',
  PHISHING_RESISTANT: 'a phishing-resistant proof',
};

/** What a proof states in the result token: its level (`acr`) and its methods (`amr`, RFC 8176 values where they exist). */
export interface Assurance {
  level: AssuranceLevel;
  amr: string[];
}

/**
 * A delivered code: `otp` (RFC 8176) and its channel: `sms` and `tel` (RFC 8176: a text message, a
 * telephone call), `whatsapp` and `email` (ours). Codes bound to a phone number (SMS, voice and
 * WhatsApp, whose account a SIM swap takes over as well) are NIST's "restricted" authenticators.
 */
export function deliveredCodeAssurance(channel: Channel): Assurance {
  return deliveredCode[channel];
}

const deliveredCode: Record<Channel, Assurance> = {
  EMAIL: { level: 'EMAIL_CODE', amr: ['otp', 'email'] },
  SMS: { level: 'AAL2_RESTRICTED', amr: ['otp', 'sms'] },
  VOICE: { level: 'AAL2_RESTRICTED', amr: ['otp', 'tel'] },
  WHATSAPP: { level: 'AAL2_RESTRICTED', amr: ['otp', 'whatsapp'] },
};

/** An authenticator app: `otp` (RFC 8176) and `totp` (ours: the app, not a delivered code). */
export const appAssurance: Assurance = { level: 'AAL2', amr: ['otp', 'totp'] };

/** A recovery code, a look-up secret in NIST's terms: `recovery` (ours; RFC 8176 has no value for it). */
export const recoveryAssurance: Assurance = { level: 'AAL2', amr: ['recovery'] };

/**
 * A passkey: proof of possession (`pop`) of a key that is hardware-bound (`hwk`) or synced
 * between devices (`swk`, a backed-up credential), and `user` when the authenticator verified
 * the user, which makes it phishing-resistant.
 */
export function passkeyAssurance({ userVerified, backedUp }: { userVerified: boolean; backedUp: boolean }): Assurance {
  const amr = ['pop', backedUp ? 'swk' : 'hwk', ...(userVerified ? ['user'] : [])];
  return { level: userVerified ? 'PHISHING_RESISTANT' : 'AAL2', amr };
}

/** The kinds among `factors` that reach `minimum`, in the order a frontend would offer them (strongest first). */
export function sufficientFactors(factors: readonly FactorKind[], minimum: AssuranceLevel): FactorKind[] {
  return [...factorKinds].reverse().filter((kind) => factors.includes(kind) && meets(factorLevel[kind], minimum));
}
