import { SENDER_NAME as S, type Catalogue } from './catalogue.js';

export const it: Catalogue = {
  minutes: (count) => `${count} minut${count === 1 ? 'o' : 'i'}`,
  // à, è, é, ì, ò, ù are in GSM-7, but the capital È is not: the SMS texts avoid it
  sms: (code, validity) => `Il tuo codice di verifica ${S} è ${code}, valido per ${validity}. Non condividerlo con nessuno.`,
  smsWithContext: (code, validity, context) => `Codice ${S} ${code} per approvare "${context}". Valido ${validity}. Non condividerlo.`,
  voice: {
    language: 'it-IT',
    intro: `Salve. Questa è una chiamata di ${S}. Il tuo codice di verifica è:`,
    again: 'Ancora una volta, il tuo codice è:',
    contextLine: (context) => `Serve ad approvare: ${context}.`,
    validity: (validity) => `È valido per ${validity}. Non condividerlo con nessuno. Arrivederci.`,
  },
  email: {
    subject: `Il tuo codice di verifica ${S}`,
    codeLine: (code) => `Il tuo codice di verifica ${S} è ${code}.`,
    codeLead: `Il tuo codice di verifica ${S} è`,
    validity: (validity) => `È valido per ${validity} e può essere usato una sola volta.`,
    ignore: 'Se non hai richiesto questo codice, puoi ignorare questa email: nessuno può accedere senza di esso.',
    contextLine: (context) => `Serve ad approvare: ${context}`,
    contextWarning: 'Inseriscilo solo se è proprio quello che stai facendo.',
  },
  notice: {
    methods: {
      otp: 'un codice monouso',
      totp: 'un’app di autenticazione',
      recovery: 'un codice di recupero',
      recovery_codes: 'un nuovo set di codici di recupero',
      passkey: 'una passkey',
      two_factor: 'la verifica in due passaggi',
    },
    anyMethod: 'un metodo di accesso',
    what: (type, data, method) => {
      const remaining = data.remaining ?? 0;
      const one = remaining === 1;
      switch (type) {
        case 'factor.added':
          return `Un metodo di accesso è stato aggiunto al tuo account ${S}: ${method}.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `La verifica in due passaggi è stata disattivata per il tuo account ${S}.`
            : `Un metodo di accesso è stato rimosso dal tuo account ${S}: ${method}.`;
        case 'recovery_code.used':
          return `È stato usato un codice di recupero per accedere al tuo account ${S}.`;
        case 'recovery_codes.low':
          return `Al tuo account ${S} ${one ? 'resta' : 'restano'} ${remaining} ${one ? 'codice' : 'codici'} di recupero non ${one ? 'usato' : 'usati'}. Generane presto un nuovo set.`;
        case 'user.locked':
          return `Sono stati inseriti troppi codici errati per il tuo account ${S}, quindi la verifica è bloccata per un po’.`;
        case 'user.suspended':
          return `Sono stati inseriti troppi codici errati di seguito per il tuo account ${S}, quindi la verifica in due passaggi è sospesa finché l’assistenza non la riattiva.`;
        case 'device.remembered':
          return `Un nuovo dispositivo è stato memorizzato per il tuo account ${S} dopo un accesso con ${method}: per un po’ potrà saltare la verifica in due passaggi.`;
      }
    },
    when: (at) => `Quando: ${at} (UTC).`,
    notYouLocked: 'Se non sei stato tu, qualcuno potrebbe conoscere la tua password: cambiala subito e contatta l’assistenza.',
    notYou: 'Se non sei stato tu, cambia subito la password e contatta l’assistenza: qualcun altro potrebbe avere accesso al tuo account.',
    smsNotYou: 'Non sei stato tu? Cambia la password e contatta l’assistenza.',
    subjects: {
      'factor.added': `Avviso di sicurezza: un metodo di accesso è stato aggiunto al tuo account ${S}`,
      'factor.removed': `Avviso di sicurezza: un metodo di accesso è stato rimosso dal tuo account ${S}`,
      'recovery_code.used': `Avviso di sicurezza: è stato usato un codice di recupero sul tuo account ${S}`,
      'recovery_codes.low': `I tuoi codici di recupero ${S} stanno per finire`,
      'user.locked': `Avviso di sicurezza: verifica bloccata sul tuo account ${S}`,
      'user.suspended': `Avviso di sicurezza: verifica in due passaggi sospesa sul tuo account ${S}`,
      'device.remembered': `Avviso di sicurezza: un nuovo dispositivo è stato memorizzato per il tuo account ${S}`,
    },
    signature: `Questo messaggio è stato inviato automaticamente da ${S}. Non contiene alcun codice e nessuno di ${S} te ne chiederà uno.`,
  },
};
