import type { AssuranceLevel, ErrorCode, FactorKind } from '../generated/graphql.js';
import { isDelivered, type DeliveredKind } from './delivered.js';

/**
 * The elements' words, one wording per language, as src/delivery/templates.ts has them for the
 * messages: a language is one object of the same shape, so a missing text fails to compile.
 */
export interface Wording {
  challengeTitle: string;
  approving: (context: string) => string;
  loading: string;
  usePasskey: string;
  /** the button that asks for a code of each delivered kind */
  sendCode: Record<DeliveredKind, string>;
  codeSent: (destination: string) => string;
  codeLabel: string;
  codeHint: (kinds: FactorKind[]) => string;
  verify: string;
  verified: string;
  noSufficientFactor: string;
  wrongCode: (attemptsLeft: number) => string;
  lockedUntil: (until: Date) => string;
  resendWait: (seconds: number) => string;
  passkeyCancelled: string;
  rememberDevice: string;
  freshProof: string;
  devicesTitle: string;
  noDevices: string;
  thisDevice: string;
  deviceUntil: (expiresAt: string) => string;
  revoke: string;
  deviceRevoked: string;
  errors: Partial<Record<ErrorCode, string>> & { default: string };
  request: { network: string; unauthenticated: string; forbidden: string; service: string };
  factorsTitle: string;
  kinds: Record<FactorKind, string>;
  levels: Record<AssuranceLevel, string>;
  noFactors: string;
  passkeysTitle: string;
  noPasskeys: string;
  lastUsed: (when: string | null) => string;
  rename: string;
  save: string;
  cancel: string;
  remove: string;
  confirmRemove: (name: string) => string;
  passkeyName: string;
  addPasskey: string;
  passkeyAdded: string;
  enrollApp: string;
  appScan: string;
  appSecret: string;
  appConfirm: string;
  appEnabled: string;
  recoveryTitle: string;
  newRecoveryCodes: string;
  recoveryOnce: string;
  copy: string;
  copied: string;
  download: string;
  done: string;
}

const en: Wording = {
  challengeTitle: 'Confirm it’s you',
  approving: (context) => `You are approving: ${context}`,
  loading: 'Loading…',
  usePasskey: 'Use a passkey',
  sendCode: {
    EMAIL_CODE: 'Send a code by email',
    SMS_CODE: 'Send a code by text message',
    WHATSAPP_CODE: 'Send a code by WhatsApp',
    VOICE_CODE: 'Call me with a code',
  },
  codeSent: (destination) => `A code is on its way to ${destination}.`,
  codeLabel: 'Code',
  codeHint: (kinds) =>
    [
      kinds.includes('AUTHENTICATOR_APP') ? 'the code your authenticator app shows' : '',
      kinds.some(isDelivered) ? 'a code we sent you' : '',
      kinds.includes('RECOVERY_CODES') ? 'one of your recovery codes' : '',
    ]
      .filter(Boolean)
      .join(', or ')
      .replace(/^./, (c) => `Enter ${c}`),
  verify: 'Verify',
  verified: 'Verified.',
  noSufficientFactor: 'None of your sign-in methods is strong enough for this. Add a passkey or an authenticator app first.',
  wrongCode: (left) => `That code is wrong. ${left === 1 ? '1 attempt' : `${left} attempts`} left.`,
  lockedUntil: (until) => `Too many wrong codes: try again after ${until.toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit' })}.`,
  resendWait: (seconds) => `Please wait ${seconds} seconds before asking for another code.`,
  passkeyCancelled: 'The passkey was not used. Try again, or use a code.',
  rememberDevice: 'Remember this device',
  freshProof: 'To change your sign-in methods, confirm it’s you first.',
  devicesTitle: 'Remembered devices',
  noDevices: 'No remembered device.',
  thisDevice: 'this device',
  deviceUntil: (expiresAt) => `until ${new Date(expiresAt).toLocaleDateString('en')}`,
  revoke: 'Revoke',
  deviceRevoked: 'Device revoked.',
  errors: {
    default: 'That did not work. Please try again.',
    CODE_EXPIRED: 'That code has expired. Ask for a new one.',
    CODE_ALREADY_USED: 'That code was used already. Ask for a new one.',
    CODE_REPLAYED: 'That code was used already. Wait for the next one in your app.',
    TOO_MANY_ATTEMPTS: 'Too many wrong tries for this code. Ask for a new one.',
    NO_PENDING_CODE: 'There is no code waiting. Ask for one first.',
    USER_NOT_FOUND: 'This account is unknown.',
    TWO_FACTOR_SUSPENDED: 'Your second factors are suspended after many wrong tries. Contact support.',
    TWO_FACTOR_DISABLED: 'Two-factor authentication is off for this account.',
    DELIVERY_FAILED: 'The code could not be sent. Try again shortly.',
    INSUFFICIENT_ASSURANCE: 'This method is not strong enough here. Use another one.',
    NO_PASSKEY: 'You have no passkey yet.',
    PASSKEYS_NOT_CONFIGURED: 'Passkeys are not available here.',
    PASSKEY_ALREADY_REGISTERED: 'This passkey is registered already.',
    PASSKEY_CHALLENGE_EXPIRED: 'That took too long. Try again.',
    PASSKEY_UNKNOWN_CREDENTIAL: 'This passkey does not belong to this account.',
    PASSKEY_USER_NOT_VERIFIED: 'Your device did not verify you (PIN or biometrics). Try again.',
    TOTP_NOT_ENROLLED: 'Start setting up the app again.',
    VALIDATION_FAILED: 'Please check what you typed.',
    FRESH_VERIFICATION_REQUIRED: 'Confirm it’s you first, then try again.',
  },
  request: {
    network: 'The service cannot be reached. Check your connection.',
    unauthenticated: 'Your session has ended. Sign in again.',
    forbidden: 'This is not allowed for your account.',
    service: 'The service had a problem. Please try again.',
  },
  factorsTitle: 'Your sign-in methods',
  kinds: {
    AUTHENTICATOR_APP: 'Authenticator app',
    EMAIL_CODE: 'Code by email',
    SMS_CODE: 'Code by text message',
    WHATSAPP_CODE: 'Code by WhatsApp',
    VOICE_CODE: 'Code by phone call',
    PASSKEY: 'Passkey',
    RECOVERY_CODES: 'Recovery codes',
  },
  levels: {
    EMAIL_CODE: 'basic',
    AAL2_RESTRICTED: 'restricted',
    AAL2: 'strong',
    PHISHING_RESISTANT: 'phishing-resistant',
  },
  noFactors: 'No second factor yet.',
  passkeysTitle: 'Passkeys',
  noPasskeys: 'No passkey yet.',
  lastUsed: (when) => (when ? `last used ${new Date(when).toLocaleDateString('en')}` : 'never used'),
  rename: 'Rename',
  save: 'Save',
  cancel: 'Cancel',
  remove: 'Remove',
  confirmRemove: (name) => `Remove “${name}”? It will no longer sign you in.`,
  passkeyName: 'Name',
  addPasskey: 'Add a passkey',
  passkeyAdded: 'Passkey added.',
  enrollApp: 'Set up an authenticator app',
  appScan: 'Scan this QR code with your authenticator app, then enter the code it shows.',
  appSecret: 'Or type this key into the app:',
  appConfirm: 'Confirm',
  appEnabled: 'Authenticator app is set up.',
  recoveryTitle: 'Recovery codes',
  newRecoveryCodes: 'Make new recovery codes',
  recoveryOnce: 'Keep these codes somewhere safe. Each works once, and they are shown only now; earlier codes no longer work.',
  copy: 'Copy',
  copied: 'Copied.',
  download: 'Download',
  done: 'Done',
};

const de: Wording = {
  challengeTitle: 'Bestätigen Sie, dass Sie es sind',
  approving: (context) => `Sie geben frei: ${context}`,
  loading: 'Wird geladen…',
  usePasskey: 'Passkey verwenden',
  sendCode: {
    EMAIL_CODE: 'Code per E-Mail senden',
    SMS_CODE: 'Code per SMS senden',
    WHATSAPP_CODE: 'Code per WhatsApp senden',
    VOICE_CODE: 'Code per Anruf erhalten',
  },
  codeSent: (destination) => `Ein Code ist unterwegs an ${destination}.`,
  codeLabel: 'Code',
  codeHint: (kinds) =>
    [
      kinds.includes('AUTHENTICATOR_APP') ? 'den Code aus Ihrer Authenticator-App' : '',
      kinds.some(isDelivered) ? 'einen Code, den wir Ihnen gesendet haben' : '',
      kinds.includes('RECOVERY_CODES') ? 'einen Ihrer Wiederherstellungscodes' : '',
    ]
      .filter(Boolean)
      .join(' oder ')
      .replace(/^(.+)$/, 'Geben Sie $1 ein'),
  verify: 'Bestätigen',
  verified: 'Bestätigt.',
  noSufficientFactor: 'Keine Ihrer Anmeldemethoden ist hierfür stark genug. Fügen Sie zuerst einen Passkey oder eine Authenticator-App hinzu.',
  wrongCode: (left) => `Der Code ist falsch. Noch ${left === 1 ? '1 Versuch' : `${left} Versuche`}.`,
  lockedUntil: (until) => `Zu viele falsche Codes: Versuchen Sie es nach ${until.toLocaleTimeString('de', { hour: '2-digit', minute: '2-digit' })} Uhr erneut.`,
  resendWait: (seconds) => `Bitte warten Sie ${seconds} Sekunden, bevor Sie einen neuen Code anfordern.`,
  passkeyCancelled: 'Der Passkey wurde nicht verwendet. Versuchen Sie es erneut oder nutzen Sie einen Code.',
  rememberDevice: 'Dieses Gerät merken',
  freshProof: 'Bestätigen Sie zuerst, dass Sie es sind, um Ihre Anmeldemethoden zu ändern.',
  devicesTitle: 'Gemerkte Geräte',
  noDevices: 'Kein gemerktes Gerät.',
  thisDevice: 'dieses Gerät',
  deviceUntil: (expiresAt) => `bis ${new Date(expiresAt).toLocaleDateString('de')}`,
  revoke: 'Widerrufen',
  deviceRevoked: 'Gerät widerrufen.',
  errors: {
    default: 'Das hat nicht geklappt. Bitte versuchen Sie es erneut.',
    CODE_EXPIRED: 'Der Code ist abgelaufen. Fordern Sie einen neuen an.',
    CODE_ALREADY_USED: 'Der Code wurde schon verwendet. Fordern Sie einen neuen an.',
    CODE_REPLAYED: 'Der Code wurde schon verwendet. Warten Sie auf den nächsten in Ihrer App.',
    TOO_MANY_ATTEMPTS: 'Zu viele falsche Versuche für diesen Code. Fordern Sie einen neuen an.',
    NO_PENDING_CODE: 'Es wartet kein Code. Fordern Sie zuerst einen an.',
    USER_NOT_FOUND: 'Dieses Konto ist unbekannt.',
    TWO_FACTOR_SUSPENDED: 'Ihre zweiten Faktoren sind nach vielen Fehlversuchen gesperrt. Wenden Sie sich an den Support.',
    TWO_FACTOR_DISABLED: 'Die Zwei-Faktor-Authentifizierung ist für dieses Konto aus.',
    DELIVERY_FAILED: 'Der Code konnte nicht gesendet werden. Versuchen Sie es gleich noch einmal.',
    INSUFFICIENT_ASSURANCE: 'Diese Methode ist hier nicht stark genug. Nutzen Sie eine andere.',
    NO_PASSKEY: 'Sie haben noch keinen Passkey.',
    PASSKEYS_NOT_CONFIGURED: 'Passkeys sind hier nicht verfügbar.',
    PASSKEY_ALREADY_REGISTERED: 'Dieser Passkey ist schon registriert.',
    PASSKEY_CHALLENGE_EXPIRED: 'Das hat zu lange gedauert. Versuchen Sie es erneut.',
    PASSKEY_UNKNOWN_CREDENTIAL: 'Dieser Passkey gehört nicht zu diesem Konto.',
    PASSKEY_USER_NOT_VERIFIED: 'Ihr Gerät hat Sie nicht bestätigt (PIN oder Biometrie). Versuchen Sie es erneut.',
    TOTP_NOT_ENROLLED: 'Beginnen Sie die Einrichtung der App erneut.',
    VALIDATION_FAILED: 'Bitte prüfen Sie Ihre Eingabe.',
    FRESH_VERIFICATION_REQUIRED: 'Bestätigen Sie zuerst, dass Sie es sind, und versuchen Sie es dann erneut.',
  },
  request: {
    network: 'Der Dienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung.',
    unauthenticated: 'Ihre Sitzung ist abgelaufen. Melden Sie sich erneut an.',
    forbidden: 'Das ist für Ihr Konto nicht erlaubt.',
    service: 'Beim Dienst ist ein Fehler aufgetreten. Bitte versuchen Sie es erneut.',
  },
  factorsTitle: 'Ihre Anmeldemethoden',
  kinds: {
    AUTHENTICATOR_APP: 'Authenticator-App',
    EMAIL_CODE: 'Code per E-Mail',
    SMS_CODE: 'Code per SMS',
    WHATSAPP_CODE: 'Code per WhatsApp',
    VOICE_CODE: 'Code per Anruf',
    PASSKEY: 'Passkey',
    RECOVERY_CODES: 'Wiederherstellungscodes',
  },
  levels: {
    EMAIL_CODE: 'einfach',
    AAL2_RESTRICTED: 'eingeschränkt',
    AAL2: 'stark',
    PHISHING_RESISTANT: 'phishing-resistent',
  },
  noFactors: 'Noch kein zweiter Faktor.',
  passkeysTitle: 'Passkeys',
  noPasskeys: 'Noch kein Passkey.',
  lastUsed: (when) => (when ? `zuletzt verwendet am ${new Date(when).toLocaleDateString('de')}` : 'nie verwendet'),
  rename: 'Umbenennen',
  save: 'Speichern',
  cancel: 'Abbrechen',
  remove: 'Entfernen',
  confirmRemove: (name) => `„${name}“ entfernen? Er meldet Sie dann nicht mehr an.`,
  passkeyName: 'Name',
  addPasskey: 'Passkey hinzufügen',
  passkeyAdded: 'Passkey hinzugefügt.',
  enrollApp: 'Authenticator-App einrichten',
  appScan: 'Scannen Sie diesen QR-Code mit Ihrer Authenticator-App und geben Sie den angezeigten Code ein.',
  appSecret: 'Oder tippen Sie diesen Schlüssel in die App:',
  appConfirm: 'Bestätigen',
  appEnabled: 'Die Authenticator-App ist eingerichtet.',
  recoveryTitle: 'Wiederherstellungscodes',
  newRecoveryCodes: 'Neue Wiederherstellungscodes erstellen',
  recoveryOnce: 'Bewahren Sie diese Codes sicher auf. Jeder gilt einmal, und sie werden nur jetzt angezeigt; frühere Codes gelten nicht mehr.',
  copy: 'Kopieren',
  copied: 'Kopiert.',
  download: 'Herunterladen',
  done: 'Fertig',
};

const wordings = { en, de } as const;
export type Language = keyof typeof wordings;

/** The element's `lang`, else the nearest ancestor's, else the browser's; English when none is known. */
export function wordingFor(element: HTMLElement): Wording {
  const tag = (element.closest('[lang]')?.getAttribute('lang') ?? navigator.language).toLowerCase().split('-')[0];
  return tag === 'de' ? wordings.de : wordings.en;
}
