import { Agent } from 'node:https';
import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config/config.js';
import type { CodeMessage, DeliveryReceipt } from '../vocabulary/channel.js';

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
 * One Twilio client for every channel that sends through it (SMS, WhatsApp, voice), made on
 * the first send; a failed import is tried again on the next send.
 */
export function createTwilioConnection(config: TwilioConfig, timeoutMs: number) {
  let connection: Promise<TwilioConnection> | undefined;
  return {
    client: async (): Promise<Twilio> => {
      connection ??= connect(config, timeoutMs).catch((error: unknown) => {
        connection = undefined;
        throw error;
      });
      return (await connection).client;
    },
    async close(): Promise<void> {
      if (!connection) return;
      const { httpClient } = await connection.catch(() => ({ httpClient: undefined }));
      // the SDK's keep-alive agent for https; a plain-http base URL uses Node's global agent
      const agent: unknown = httpClient?.axios.defaults.httpsAgent;
      if (agent instanceof Agent) agent.destroy();
    },
  };
}

export type TwilioConnectionHandle = ReturnType<typeof createTwilioConnection>;

/** The status-callback URL for a code's message or call: its id rides along, covered by Twilio's signature. */
export function statusCallbackFor(config: TwilioConfig, codeId: number | undefined): { statusCallback: string } | Record<string, never> {
  if (!config.statusCallbackUrl || codeId === undefined) return {};
  return { statusCallback: `${config.statusCallbackUrl}?code=${codeId}` };
}

type StatusCallback = ReturnType<typeof statusCallbackFor>;

/**
 * A code's message or call through Twilio, as every Twilio channel sends it: the connection's
 * client, the status callback for the code's record, `create` making the message or call with
 * both; the receipt of a send Twilio queued. Errors are left to the channel to map.
 */
export async function sendThroughTwilio(
  connection: TwilioConnectionHandle,
  config: TwilioConfig,
  message: CodeMessage,
  create: (client: Twilio, callback: StatusCallback) => Promise<{ sid: string }>,
): Promise<DeliveryReceipt> {
  const client = await connection.client();
  const callback = statusCallbackFor(config, message.codeId);
  const { sid } = await create(client, callback);
  return { providerMessageId: sid, status: 'QUEUED', receiptExpected: 'statusCallback' in callback };
}
