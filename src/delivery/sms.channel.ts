import { Agent } from 'node:https';
import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ChannelSender } from './channel.js';
import { maskPhone } from './mask.js';
import { renderSms } from './templates.js';
import { configurationCodes, fromTwilioError } from './twilio-errors.js';

export type TwilioConfig = NonNullable<Config['twilio']>;

interface TwilioConnection {
  client: Twilio;
  httpClient: RequestClient;
}

/**
 * The SDK and its client. The SDK (with axios and its other dependencies) is imported here,
 * on the first send, not at start-up: it takes about 10 MB that a service without SMS, or
 * one that has not sent an SMS yet, does not need.
 */
async function connect(config: TwilioConfig, timeoutMs: number): Promise<TwilioConnection> {
  const { default: twilio } = await import('twilio');

  /**
   * The SDK's own HTTP client, sending to another origin: `TWILIO_API_BASE_URL` replaces
   * scheme, host and port of every URL the SDK builds (and prefixes its path, if it has one).
   * Everything else, from form encoding and basic auth to response and error parsing, stays
   * the SDK's. This is the hook the SDK documents for custom HTTP clients (`httpClient`).
   */
  class BaseUrlRequestClient extends twilio.RequestClient {
    private readonly base: URL;

    constructor(baseUrl: string, options: RequestClient.RequestClientOptions) {
      super(options);
      this.base = new URL(baseUrl);
    }

    override request<TData>(options: RequestClient.RequestOptions<TData>) {
      const target = new URL(options.uri);
      const basePath = this.base.pathname.replace(/\/$/, '');
      const uri = `${this.base.origin}${basePath}${target.pathname}${target.search}`;
      return super.request<TData>({ ...options, uri });
    }
  }

  const clientOptions = { timeout: timeoutMs, keepAlive: true };
  const httpClient = config.apiBaseUrl
    ? new BaseUrlRequestClient(config.apiBaseUrl, clientOptions)
    : new twilio.RequestClient(clientOptions);
  return { client: twilio(config.accountSid, config.authToken, { httpClient }), httpClient };
}

/**
 * SMS through Twilio's Messages API. The message may queue at Twilio for as long as the code
 * is valid and no longer (`ValidityPeriod`): a code that arrives after it expired only confuses.
 */
export function createSmsChannel(config: TwilioConfig, options: { timeoutMs: number; logger: Logger }): ChannelSender {
  const { timeoutMs, logger } = options;
  // one connection for every send; a failed import is tried again on the next send
  let connection: Promise<TwilioConnection> | undefined;
  const connected = () => {
    connection ??= connect(config, timeoutMs).catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
  // A messaging service picks the sender from its pool (and handles country rules); a
  // single number is the simple setup.
  const sender = config.messagingServiceSid ? { messagingServiceSid: config.messagingServiceSid } : { from: config.phoneNumber ?? '' };

  return {
    async send(message) {
      try {
        const { client } = await connected();
        const sent = await client.messages.create({
          to: message.to,
          body: renderSms(message),
          validityPeriod: Math.min(36_000, message.expiresInMinutes * 60),
          ...sender,
        });
        return { providerMessageId: sent.sid };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && configurationCodes.has(code)) {
          logger.error({ twilioCode: code, to: maskPhone(message.to) }, 'delivery: Twilio refused this service’s SMS settings');
        }
        throw fromTwilioError(error);
      }
    },
    async notify(message) {
      try {
        const { client } = await connected();
        const sent = await client.messages.create({ to: message.to, body: message.text, ...sender });
        return { providerMessageId: sent.sid };
      } catch (error) {
        throw fromTwilioError(error);
      }
    },
    async close() {
      if (!connection) return;
      const { httpClient } = await connection.catch(() => ({ httpClient: undefined }));
      // the SDK's keep-alive agent for https; a plain-http base URL uses Node's global agent
      const agent: unknown = httpClient?.axios.defaults.httpsAgent;
      if (agent instanceof Agent) agent.destroy();
    },
  };
}
