import { SENDER_NAME as S, type Catalogue } from './catalogue.js';

export const es: Catalogue = {
  minutes: (count) => `${count} minuto${count === 1 ? '' : 's'}`,
  // ó, á, í, ú are not in GSM-7 (ñ and é are): "clave" and "caduca" keep the SMS in GSM-7
  sms: (code, validity) => `${S}: tu clave de acceso es ${code}. Caduca en ${validity}. No la compartas con nadie.`,
  smsWithContext: (code, validity, context) => `${S}: usa la clave ${code} para aprobar "${context}". Caduca en ${validity}. No la compartas.`,
  voice: {
    language: 'es-ES',
    intro: `Hola. Te llamamos de ${S}. Tu código de verificación es:`,
    again: 'Otra vez, tu código es:',
    contextLine: (context) => `Sirve para aprobar: ${context}.`,
    validity: (validity) => `Es válido durante ${validity}. No lo compartas con nadie. Adiós.`,
  },
  email: {
    subject: `Tu código de verificación de ${S}`,
    codeLine: (code) => `Tu código de verificación de ${S} es ${code}.`,
    codeLead: `Tu código de verificación de ${S} es`,
    validity: (validity) => `Es válido durante ${validity} y solo se puede usar una vez.`,
    ignore: 'Si no has solicitado este código, puedes ignorar este correo; nadie puede iniciar sesión sin él.',
    contextLine: (context) => `Sirve para aprobar: ${context}`,
    contextWarning: 'Introdúcelo solo si es lo que estás haciendo.',
  },
  notice: {
    methods: {
      otp: 'un código de un solo uso',
      totp: 'una aplicación de autenticación',
      recovery: 'un código de recuperación',
      recovery_codes: 'un nuevo juego de códigos de recuperación',
      passkey: 'una llave de acceso',
      two_factor: 'la verificación en dos pasos',
    },
    anyMethod: 'un método de inicio de sesión',
    what: (type, data, method) => {
      const remaining = data.remaining ?? 0;
      switch (type) {
        case 'factor.added':
          return `Se ha añadido ${method} a tu cuenta de ${S}.`;
        case 'factor.removed':
          return data.method === 'two_factor' ? `Se ha desactivado la verificación en dos pasos en tu cuenta de ${S}.` : `Se ha eliminado ${method} de tu cuenta de ${S}.`;
        case 'recovery_code.used':
          return `Se ha usado un código de recuperación para iniciar sesión en tu cuenta de ${S}.`;
        case 'recovery_codes.low':
          return `A tu cuenta de ${S} le ${remaining === 1 ? 'queda' : 'quedan'} ${remaining} código${remaining === 1 ? '' : 's'} de recuperación sin usar. Genera pronto un nuevo juego.`;
        case 'user.locked':
          return `Se han introducido demasiados códigos incorrectos en tu cuenta de ${S}, así que la verificación está bloqueada durante un tiempo.`;
        case 'user.suspended':
          return `Se han introducido demasiados códigos incorrectos seguidos en tu cuenta de ${S}, así que la verificación en dos pasos queda suspendida hasta que el equipo de soporte la restablezca.`;
        case 'device.remembered':
          return `Se ha recordado un nuevo dispositivo para tu cuenta de ${S} tras un inicio de sesión con ${method}: podrá omitir la verificación en dos pasos durante un tiempo.`;
      }
    },
    when: (at) => `Cuándo: ${at} (UTC).`,
    notYouLocked: 'Si no has sido tú, puede que alguien conozca tu contraseña: cámbiala ahora y ponte en contacto con el equipo de soporte.',
    notYou: 'Si no has sido tú, cambia tu contraseña ahora y ponte en contacto con el equipo de soporte: puede que otra persona tenga acceso a tu cuenta.',
    smsNotYou: '¿No has sido tú? Cambia tu contraseña y contacta con soporte.',
    subjects: {
      'factor.added': `Alerta de seguridad: se ha añadido un método de inicio de sesión a tu cuenta de ${S}`,
      'factor.removed': `Alerta de seguridad: se ha eliminado un método de inicio de sesión de tu cuenta de ${S}`,
      'recovery_code.used': `Alerta de seguridad: se ha usado un código de recuperación en tu cuenta de ${S}`,
      'recovery_codes.low': `Te quedan pocos códigos de recuperación de ${S}`,
      'user.locked': `Alerta de seguridad: verificación bloqueada en tu cuenta de ${S}`,
      'user.suspended': `Alerta de seguridad: verificación en dos pasos suspendida en tu cuenta de ${S}`,
      'device.remembered': `Alerta de seguridad: se ha recordado un nuevo dispositivo para tu cuenta de ${S}`,
    },
    signature: `${S} ha enviado este mensaje automáticamente. No contiene ningún código, y nadie de ${S} te pedirá uno.`,
  },
};
