import { SENDER_NAME as S, type Catalogue } from './catalogue.js';

/** European Portuguese; a `pt-BR` catalogue would sit beside it (docs/delivery.md). */
export const pt: Catalogue = {
  minutes: (count) => `${count} minuto${count === 1 ? '' : 's'}`,
  // ó, á, ã, ç are not in GSM-7 (é is): worded without them, the SMS keeps 160 septets, not UCS-2's 70
  sms: (code, validity) => `${S}: use ${code} para confirmar a sua identidade. Expira em ${validity}. Nunca o partilhe com ninguém.`,
  smsWithContext: (code, validity, context) => `${S}: use ${code} para aprovar "${context}". Expira em ${validity}. Nunca o partilhe.`,
  voice: {
    language: 'pt-PT',
    intro: `Olá. Fala a ${S}. O seu código de verificação é:`,
    again: 'Mais uma vez, o seu código é:',
    contextLine: (context) => `Serve para aprovar: ${context}.`,
    validity: (validity) => `É válido por ${validity}. Nunca o partilhe com ninguém. Adeus.`,
  },
  email: {
    subject: `O seu código de verificação ${S}`,
    codeLine: (code) => `O seu código de verificação ${S} é ${code}.`,
    codeLead: `O seu código de verificação ${S} é`,
    validity: (validity) => `É válido por ${validity} e só pode ser usado uma vez.`,
    ignore: 'Se não pediu este código, pode ignorar este e-mail; ninguém consegue iniciar sessão sem ele.',
    contextLine: (context) => `Serve para aprovar: ${context}`,
    contextWarning: 'Introduza-o apenas se for isso que está a fazer.',
  },
  notice: {
    methods: {
      otp: 'um código de utilização única',
      totp: 'uma aplicação de autenticação',
      recovery: 'um código de recuperação',
      recovery_codes: 'um novo conjunto de códigos de recuperação',
      passkey: 'uma chave de acesso',
      two_factor: 'a verificação em dois passos',
    },
    anyMethod: 'um método de início de sessão',
    what: (type, data, method) => {
      const remaining = data.remaining ?? 0;
      switch (type) {
        case 'factor.added':
          return `Foi adicionado um método de início de sessão à sua conta ${S}: ${method}.`;
        case 'factor.removed':
          return data.method === 'two_factor'
            ? `A verificação em dois passos foi desativada na sua conta ${S}.`
            : `Foi removido um método de início de sessão da sua conta ${S}: ${method}.`;
        case 'recovery_code.used':
          return `Foi usado um código de recuperação para iniciar sessão na sua conta ${S}.`;
        case 'recovery_codes.low':
          return `A sua conta ${S} tem apenas ${remaining} código${remaining === 1 ? '' : 's'} de recuperação por usar. Gere um novo conjunto em breve.`;
        case 'user.locked':
          return `Foram introduzidos demasiados códigos errados na sua conta ${S}, por isso a verificação está bloqueada durante algum tempo.`;
        case 'user.suspended':
          return `Foram introduzidos demasiados códigos errados seguidos na sua conta ${S}, por isso a verificação em dois passos está suspensa até que o suporte a reative.`;
        case 'device.remembered':
          return `Foi memorizado um novo dispositivo para a sua conta ${S} após um início de sessão com ${method}: durante algum tempo, pode dispensar a verificação em dois passos.`;
      }
    },
    when: (at) => `Quando: ${at} (UTC).`,
    notYouLocked: 'Se não foi você, alguém pode saber a sua palavra-passe: altere-a já e contacte o suporte.',
    notYou: 'Se não foi você, altere já a sua palavra-passe e contacte o suporte: outra pessoa pode ter acesso à sua conta.',
    smsNotYou: 'Não foi você? Altere a palavra-passe e contacte o suporte.',
    subjects: {
      'factor.added': `Alerta de segurança: foi adicionado um método de início de sessão à sua conta ${S}`,
      'factor.removed': `Alerta de segurança: foi removido um método de início de sessão da sua conta ${S}`,
      'recovery_code.used': `Alerta de segurança: foi usado um código de recuperação na sua conta ${S}`,
      'recovery_codes.low': `Os seus códigos de recuperação ${S} estão a acabar`,
      'user.locked': `Alerta de segurança: verificação bloqueada na sua conta ${S}`,
      'user.suspended': `Alerta de segurança: verificação em dois passos suspensa na sua conta ${S}`,
      'device.remembered': `Alerta de segurança: foi memorizado um novo dispositivo para a sua conta ${S}`,
    },
    signature: `Esta mensagem foi enviada automaticamente pela ${S}. Não contém nenhum código, e ninguém da ${S} lhe pedirá um.`,
  },
};
