import type { Builder } from './builder.js';
import { acrOf, factorKinds, factorLevel, type AssuranceLevel, type FactorKind } from '../vocabulary/assurance.js';

const levels: Record<AssuranceLevel, string> = {
  EMAIL_CODE: `Any second factor, an emailed code included (not an acceptable out-of-band authenticator in NIST SP 800-63B rev 4). acr "${acrOf.EMAIL_CODE}".`,
  AAL2_RESTRICTED: `A second factor acceptable at AAL2, SMS included (a "restricted" authenticator). acr "${acrOf.AAL2_RESTRICTED}".`,
  AAL2: `A second factor acceptable at AAL2 without restriction: an authenticator app, a recovery code, a passkey. acr "${acrOf.AAL2}".`,
  PHISHING_RESISTANT: `A phishing-resistant proof: a passkey whose authenticator verified the user. acr "${acrOf.PHISHING_RESISTANT}" (OpenID EAP).`,
};

/** What each kind of factor is, as the schema has described it since User.factors. */
const kinds: Record<FactorKind, string> = {
  EMAIL_CODE: 'Codes delivered by email (the user has an email address).',
  SMS_CODE: 'Codes delivered by SMS (the user has a phone number).',
  WHATSAPP_CODE: 'Codes delivered by WhatsApp (a phone number, and TWILIO_WHATSAPP_FROM configured).',
  VOICE_CODE: 'Codes read out by a phone call (a phone number, and voice configured).',
  AUTHENTICATOR_APP: 'Codes from an authenticator app (enrolled and confirmed).',
  RECOVERY_CODES: 'Single-use recovery codes (some left).',
  PASSKEY: 'A passkey (WebAuthn): the browser signs for the origin it runs on, so a look-alike site gets nothing to relay.',
};

/** The step-up vocabulary: the ordered assurance levels and the kinds of factor a frontend can offer. */
export function addAssuranceTypes(builder: Builder) {
  const AssuranceLevelEnum = builder.enumType('AssuranceLevel', {
    description: 'What a proof reaches, weakest first (docs/assurance.md). A minimum admits its own level and every one above it.',
    values: Object.fromEntries(Object.entries(levels).map(([level, description]) => [level, { description }])) as Record<
      AssuranceLevel,
      { description: string }
    >,
  });
  const FactorKindEnum = builder.enumType('FactorKind', {
    description: 'A kind of second factor.',
    values: Object.fromEntries(
      factorKinds.map((kind) => [kind, { description: `${kinds[kind]} Reaches at most ${factorLevel[kind]}.` }]),
    ) as Record<FactorKind, { description: string }>,
  });
  return { AssuranceLevel: AssuranceLevelEnum, FactorKind: FactorKindEnum };
}
