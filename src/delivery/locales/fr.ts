import { SENDER_NAME as S, type Catalogue } from './catalogue.js';

export const fr: Catalogue = {
  minutes: (count) => `${count} minute${count === 1 ? '' : 's'}`,
  // é and à are in GSM-7; ç, ê, â, î, ô, û are not, so the SMS texts avoid them
  sms: (code, validity) => `Votre code de vérification ${S} est ${code}. Il est valable ${validity}. Ne le communiquez jamais à personne.`,
  smsWithContext: (code, validity, context) => `Code ${S} ${code} pour approuver "${context}". Valable ${validity}. Ne le donnez jamais.`,
  voice: {
    language: 'fr-FR',
    intro: `Bonjour. Ici ${S}. Votre code de vérification est :`,
    again: 'Je répète, votre code est :',
    contextLine: (context) => `Il sert à approuver : ${context}.`,
    validity: (validity) => `Il est valable ${validity}. Ne le communiquez jamais à personne. Au revoir.`,
  },
  email: {
    subject: `Votre code de vérification ${S}`,
    codeLine: (code) => `Votre code de vérification ${S} est ${code}.`,
    codeLead: `Votre code de vérification ${S} est`,
    validity: (validity) => `Il est valable ${validity} et ne peut être utilisé qu’une seule fois.`,
    ignore: 'Si vous n’avez pas demandé ce code, vous pouvez ignorer cet e-mail ; personne ne peut se connecter sans lui.',
    contextLine: (context) => `Il sert à approuver : ${context}`,
    contextWarning: 'Ne le saisissez que si c’est bien ce que vous êtes en train de faire.',
  },
  notice: {
    methods: {
      otp: 'un code à usage unique',
      totp: 'une application d’authentification',
      recovery: 'un code de récupération',
      recovery_codes: 'un nouveau jeu de codes de récupération',
      passkey: 'une clé d’accès',
      two_factor: 'la validation en deux étapes',
    },
    anyMethod: 'une méthode de connexion',
    // "méthode : ..." keeps the sentence right whatever the gender of the method's noun
    what: (type, data, method) => {
      const remaining = data.remaining ?? 0;
      switch (type) {
        case 'factor.added':
          return `Une méthode de connexion a été ajoutée à votre compte ${S} : ${method}.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `La validation en deux étapes a été désactivée pour votre compte ${S}.`
            : `Une méthode de connexion a été retirée de votre compte ${S} : ${method}.`;
        case 'recovery_code.used':
          return `Un code de récupération a été utilisé pour se connecter à votre compte ${S}.`;
        case 'recovery_codes.low':
          return `Il ne reste que ${remaining} code${remaining > 1 ? 's' : ''} de récupération inutilisé${remaining > 1 ? 's' : ''} sur votre compte ${S}. Générez-en bientôt un nouveau jeu.`;
        case 'user.locked':
          return `Trop de codes erronés ont été saisis pour votre compte ${S} : la vérification est bloquée pendant un moment.`;
        case 'user.suspended':
          return `Trop de codes erronés ont été saisis d’affilée pour votre compte ${S} : la validation en deux étapes est suspendue jusqu’à ce que le support la rétablisse.`;
        case 'device.remembered':
          return `Un nouvel appareil a été mémorisé pour votre compte ${S} après une connexion avec ${method} : il peut se passer de la validation en deux étapes pendant un moment.`;
      }
    },
    when: (at) => `Quand : ${at} (UTC).`,
    notYouLocked: 'Si ce n’était pas vous, quelqu’un connaît peut-être votre mot de passe : changez-le maintenant et contactez le support.',
    notYou: 'Si ce n’était pas vous, changez votre mot de passe maintenant et contactez le support : quelqu’un d’autre a peut-être accès à votre compte.',
    smsNotYou: 'Pas vous ? Changez votre mot de passe et contactez le support.',
    subjects: {
      'factor.added': `Alerte de sécurité : une méthode de connexion a été ajoutée à votre compte ${S}`,
      'factor.removed': `Alerte de sécurité : une méthode de connexion a été retirée de votre compte ${S}`,
      'recovery_code.used': `Alerte de sécurité : un code de récupération a été utilisé sur votre compte ${S}`,
      'recovery_codes.low': `Vos codes de récupération ${S} sont bientôt épuisés`,
      'user.locked': `Alerte de sécurité : vérification bloquée sur votre compte ${S}`,
      'user.suspended': `Alerte de sécurité : validation en deux étapes suspendue sur votre compte ${S}`,
      'device.remembered': `Alerte de sécurité : un nouvel appareil a été mémorisé pour votre compte ${S}`,
    },
    signature: `Ce message a été envoyé automatiquement par ${S}. Il ne contient aucun code, et personne chez ${S} ne vous en demandera un.`,
  },
};
