import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { CallbackInvalidError, CallbackSignatureInvalidError } from '../errors/errors.js';
import { rootErrorHandler } from '../http/root-error-handler.js';
import { errorAnswers } from '../http/schemas.js';
import { fromTwilioStatus } from '../vocabulary/delivery-status.js';
import type { ReceiptsService } from './receipts.service.js';
import type { TwilioConfig } from './twilio.client.js';

/** A status callback is a few hundred bytes of form fields; anything much larger is not Twilio's. */
export const CALLBACK_MAX_BYTES = 16 * 1024;
/** How long the body of a callback may take to arrive. */
export const CALLBACK_READ_TIMEOUT_MS = 5_000;

interface StatusCallbackOptions {
  receipts: ReceiptsService;
  /** with `statusCallbackUrl` set (PUBLIC_BASE_URL): the route exists only then */
  twilio: TwilioConfig & { statusCallbackUrl: string };
}

/** A body that came too slowly or too large: answered with its status, nothing read further. */
class BodyReadError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The whole body as text, or a BodyReadError once `maxBytes` are exceeded or `timeoutMs` have passed. */
function readBounded(stream: Readable, maxBytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.resume();
      reject(error);
    };
    const timer = setTimeout(() => stop(new BodyReadError(408, `The request body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return stop(new BodyReadError(413, `The request body is larger than ${maxBytes} bytes`));
      chunks.push(chunk);
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    stream.on('error', (error) => stop(error));
  });
}

/**
 * `POST /delivery/twilio/status`: Twilio's status callbacks for the messages and calls that
 * carried codes. Only a request whose X-Twilio-Signature the `twilio` library validates for
 * this URL (PUBLIC_BASE_URL's, as Twilio called it, not the Host header a proxy may rewrite)
 * and TWILIO_AUTH_TOKEN is read further; anything else is a 403 that changes nothing. Twilio
 * signs no timestamp, so a replayed callback validates: it is harmless because a receipt only
 * ever moves a status forward (receipts.service.ts).
 */
export const statusCallbackRoutes: FastifyPluginAsync<StatusCallbackOptions> = async (app, { receipts, twilio }) => {
  // the SDK is imported on the first callback, as on the first send (twilio.client.ts)
  let validator: Promise<(token: string, signature: string, url: string, params: Record<string, string>) => boolean> | undefined;
  const validate = () => (validator ??= import('twilio').then(({ default: sdk }) => sdk.validateRequest));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', (request, payload, done) => {
    readBounded(payload, CALLBACK_MAX_BYTES, CALLBACK_READ_TIMEOUT_MS).then(
      (raw) => done(null, raw),
      (error: unknown) => done(error as Error),
    );
  });
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof BodyReadError) return reply.code(error.statusCode).send({ detail: error.message });
    return rootErrorHandler(error, request, reply);
  });

  app.post<{ Body: string }>(
    '/delivery/twilio/status',
    {
      // no caller token: Twilio proves itself by its signature
      config: { ownBearerToken: true },
      schema: {
        summary: 'Twilio status callback',
        description:
          'Where Twilio posts the status of each message and call that carried a code (form-encoded, signed with ' +
          'X-Twilio-Signature). Exists only when PUBLIC_BASE_URL and Twilio are configured. A valid callback answers 204, ' +
          'whether or not it changed anything; an unsigned or wrongly signed one 403.',
        tags: ['Delivery'],
        consumes: ['application/x-www-form-urlencoded'],
        querystring: { type: 'object', properties: { code: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
        response: {
          204: { type: 'null', description: 'Recorded (or nothing to change).' },
          ...errorAnswers(
            { 400: 'Signed, but not a callback this service understands.', 403: 'Not signed by Twilio for this service.' },
            'CALLBACK_INVALID',
            'CALLBACK_SIGNATURE_INVALID',
          ),
        },
      },
    },
    async (request, reply) => {
      const signature = request.headers['x-twilio-signature'];
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const params = Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : ''));
      const valid = typeof signature === 'string' && (await validate())(twilio.authToken, signature, `${twilio.statusCallbackUrl}${query}`, params);
      if (!valid) throw new CallbackSignatureInvalidError();

      if (params.AccountSid !== twilio.accountSid) throw new CallbackInvalidError('another account');
      const kind = params.CallSid ? 'call' : 'message';
      const providerMessageId = params.CallSid ?? params.MessageSid;
      const reported = kind === 'call' ? params.CallStatus : params.MessageStatus;
      if (!providerMessageId || !reported) throw new CallbackInvalidError('no message or call, or no status');
      const status = fromTwilioStatus(kind, reported);
      if (!status) throw new CallbackInvalidError(`unknown status ${JSON.stringify(reported.slice(0, 40))}`);
      const code = new URLSearchParams(query).get('code');
      await receipts.record(
        { codeId: code ? Number(code) : null, providerMessageId, status, providerCode: params.ErrorCode?.slice(0, 20) || null },
        request.callContext,
      );
      return reply.code(204).send();
    },
  );
};
