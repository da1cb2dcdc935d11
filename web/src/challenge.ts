import { startAuthentication } from '@simplewebauthn/browser';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import {
  GenerateOtpDocument,
  StartPasskeyVerificationDocument,
  UserFactorsDocument,
  VerifyDeviceDocument,
  VerifyOtpDocument,
  VerifyPasskeyDocument,
  type AssuranceLevel,
  type FactorKind,
  type VerifyDeviceMutation,
  type VerifyOtpMutation,
  type VerifyPasskeyMutation,
} from '../generated/graphql.js';
import { deliveryChannels, isDelivered, type DeliveredKind } from './delivered.js';
import { forgetDevice, rememberedDevice, rememberDevice } from './device-memory.js';
import { execute, RequestFailed, type Endpoint } from './client.js';
import { wordingFor, type Wording } from './messages.js';
import { sharedStyles } from './styles.js';

/** Weakest first, as the schema's AssuranceLevel: a minimum admits its own level and those after it. */
const levels: readonly AssuranceLevel[] = ['EMAIL_CODE', 'AAL2_RESTRICTED', 'AAL2', 'PHISHING_RESISTANT'];
const reaches = (level: AssuranceLevel, minimum: AssuranceLevel | undefined) => minimum === undefined || levels.indexOf(level) >= levels.indexOf(minimum);
const isLevel = (value: string | undefined): value is AssuranceLevel => levels.some((level) => level === value);

/** What a verify answers, passkey or code: the same payload, and typed errors. */
type Verdict = VerifyOtpMutation['verifyOtp'] | VerifyPasskeyMutation['verifyPasskey'];

/** The detail of `fountain-2fa-verified`: what the page hands to its backend. */
export interface VerifiedDetail {
  username: string;
  /** the result token (ES256 JWT): the backend checks it against the service's JWKS */
  token: string;
  method: string;
  assurance: AssuranceLevel;
}

/** Words for a failure the schema types, or for a request that failed outside it. */
export function describeFailure(words: Wording, failure: unknown, now = new Date()): string {
  if (failure instanceof RequestFailed) return words.request[failure.reason];
  if (typeof failure !== 'object' || failure === null || !('code' in failure)) return words.errors.default;
  const typed = failure as { code: string; attemptsLeft?: number; retryAfter?: number };
  if ((typed.code === 'INVALID_CODE' || typed.code === 'CONTEXT_MISMATCH') && typed.attemptsLeft !== undefined) return words.wrongCode(typed.attemptsLeft);
  if (typed.code === 'USER_LOCKED' && typed.retryAfter !== undefined) return words.lockedUntil(new Date(now.getTime() + typed.retryAfter * 1000));
  if (typed.code === 'RATE_LIMITED' && typed.retryAfter !== undefined) return words.resendWait(typed.retryAfter);
  return words.errors[typed.code as keyof Wording['errors']] ?? words.errors.default;
}

/**
 * `<fountain-2fa-challenge endpoint token username [context] [minimum-assurance] [audience]
 * [max-age] [device-name]>`: asks the user for a second factor that reaches `minimum-assurance`
 * (a passkey, or a code from their app, a delivered code or a recovery code) and, once verified,
 * fires `fountain-2fa-verified` with the result token. It bubbles out of the shadow root.
 * "Remember this device" keeps the device's token in this browser; the next challenge without a
 * `context` passes on it, without a factor, while the service accepts it (a device's proof is
 * bound to no action, so a challenge for one always asks for a factor).
 */
export class FountainChallenge extends LitElement {
  static override styles = sharedStyles;
  static override properties = {
    endpoint: { type: String },
    token: { type: String },
    username: { type: String },
    context: { type: String },
    audience: { type: String },
    minimumAssurance: { type: String, attribute: 'minimum-assurance' },
    maxAge: { type: Number, attribute: 'max-age' },
    deviceName: { type: String, attribute: 'device-name' },
    ignoreRememberedDevice: { type: Boolean, attribute: 'ignore-remembered-device' },
    factors: { state: true },
    busy: { state: true },
    problem: { state: true },
    status: { state: true },
    verified: { state: true },
  };

  endpoint = '/graphql';
  token = '';
  declare username: string | undefined;
  declare context: string | undefined;
  declare audience: string | undefined;
  declare minimumAssurance: string | undefined;
  /** the oldest a remembered device's proof may be, in seconds (verifyDevice's maxAgeSeconds) */
  declare maxAge: number | undefined;
  /** what the user's device list calls this browser when it is remembered */
  declare deviceName: string | undefined;
  /** ask for a factor even on a remembered device: a fresh proof for enrolment must present one */
  ignoreRememberedDevice = false;
  /** the user's factors that reach the minimum; undefined while loading */
  declare factors: FactorKind[] | undefined;
  busy = false;
  problem = '';
  status = '';
  verified = false;

  private get words(): Wording {
    return wordingFor(this);
  }

  private get api(): Endpoint {
    return { url: this.endpoint, token: this.token };
  }

  private get minimum(): AssuranceLevel | undefined {
    return isLevel(this.minimumAssurance) ? this.minimumAssurance : undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('username') || changed.has('token') || changed.has('endpoint') || changed.has('minimumAssurance')) {
      this.verified = false;
      this.problem = '';
      this.status = '';
      void this.load();
    }
  }

  /** Reads the user's factors again (after the page added one, say) and starts over. */
  refresh(): Promise<void> {
    this.verified = false;
    this.problem = '';
    this.status = '';
    return this.load();
  }

  private async load(): Promise<void> {
    const username = this.username;
    if (!username) return;
    this.factors = undefined;
    try {
      if (await this.passOnDevice(username)) return;
      const { user } = await execute(this.api, UserFactorsDocument, { username });
      if (username !== this.username) return;
      if (!user) {
        this.factors = [];
        this.problem = this.words.errors.USER_NOT_FOUND ?? this.words.errors.default;
        return;
      }
      this.factors = user.factors.filter((factor) => reaches(factor.assurance, this.minimum)).map((factor) => factor.kind);
    } catch (failure) {
      this.factors = [];
      this.problem = describeFailure(this.words, failure);
    }
  }

  /**
   * A remembered device passes the challenge without a factor. A token the service no longer
   * takes (revoked, expired, too old for max-age, below the minimum) is forgotten, and the
   * user is asked for a factor.
   */
  private async passOnDevice(username: string): Promise<boolean> {
    const device = this.context || this.ignoreRememberedDevice ? undefined : rememberedDevice(this.endpoint, username);
    if (!device) return false;
    const { verifyDevice } = await execute(this.api, VerifyDeviceDocument, {
      username,
      deviceToken: device.token,
      maxAgeSeconds: this.maxAge,
      minimumAssurance: this.minimum,
      audience: this.audience,
    });
    if (username !== this.username) return true;
    if (verifyDevice.__typename !== 'VerifyOtpPayload') {
      forgetDevice(this.endpoint, username);
      return false;
    }
    this.factors = [];
    this.settle(verifyDevice);
    return true;
  }

  /** Runs one step with the buttons disabled, showing its failure in words. */
  private async step(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.problem = '';
    try {
      await work();
    } catch (failure) {
      this.problem = describeFailure(this.words, failure);
    } finally {
      this.busy = false;
    }
  }

  private settle(verdict: Verdict | VerifyDeviceMutation['verifyDevice']): void {
    if (verdict.__typename !== 'VerifyOtpPayload') {
      this.problem = describeFailure(this.words, verdict);
      return;
    }
    if ('deviceToken' in verdict && verdict.deviceToken && verdict.device) {
      rememberDevice(this.endpoint, verdict.username, { token: verdict.deviceToken, id: verdict.device.id });
    }
    this.verified = true;
    this.status = this.words.verified;
    const detail: VerifiedDetail = { username: verdict.username, token: verdict.token, method: verdict.method, assurance: verdict.assurance };
    this.dispatchEvent(new CustomEvent('fountain-2fa-verified', { detail, bubbles: true, composed: true }));
  }

  /** What a verify adds when the user ticked "remember this device". */
  private remembering(): { rememberDevice?: boolean; deviceName?: string } {
    const box = this.renderRoot.querySelector<HTMLInputElement>('#remember');
    return box?.checked ? { rememberDevice: true, ...(this.deviceName ? { deviceName: this.deviceName } : {}) } : {};
  }

  private usePasskey = () =>
    this.step(async () => {
      const username = this.username ?? '';
      const started = await execute(this.api, StartPasskeyVerificationDocument, { username, minimumAssurance: this.minimum });
      if (started.startPasskeyVerification.__typename !== 'StartPasskeyVerificationPayload') {
        this.problem = describeFailure(this.words, started.startPasskeyVerification);
        return;
      }
      let response;
      try {
        response = await startAuthentication({ optionsJSON: started.startPasskeyVerification.options as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
      } catch {
        // The user closed the browser's dialog, or no passkey of theirs is on this device.
        this.problem = this.words.passkeyCancelled;
        return;
      }
      const answer = await execute(this.api, VerifyPasskeyDocument, {
        ...this.remembering(),
        username,
        response,
        context: this.context,
        audience: this.audience,
        minimumAssurance: this.minimum,
      });
      this.settle(answer.verifyPasskey);
    });

  private sendCode = (kind: DeliveredKind) =>
    this.step(async () => {
      const { generateOtp } = await execute(this.api, GenerateOtpDocument, {
        username: this.username ?? '',
        channel: deliveryChannels[kind],
        context: this.context,
        minimumAssurance: this.minimum,
      });
      if (generateOtp.__typename !== 'GenerateOtpPayload') {
        this.problem = describeFailure(this.words, generateOtp);
        return;
      }
      this.status = this.words.codeSent(generateOtp.destination);
      this.renderRoot.querySelector<HTMLInputElement>('#code')?.focus();
    });

  private submitCode = (event: SubmitEvent) => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#code');
    const code = input?.value.trim() ?? '';
    if (!code) {
      input?.focus();
      return;
    }
    void this.step(async () => {
      const answer = await execute(this.api, VerifyOtpDocument, {
        ...this.remembering(),
        username: this.username ?? '',
        code,
        context: this.context,
        audience: this.audience,
        minimumAssurance: this.minimum,
      });
      this.settle(answer.verifyOtp);
      if (input && !this.verified) {
        input.value = '';
        input.focus();
      }
    });
  };

  protected override render() {
    const words = this.words;
    const factors = this.factors;
    const message = html`
      <p role="alert" class="error">${this.problem}</p>
      <p role="status" class=${this.verified ? 'success' : 'muted'}>${this.status}</p>
    `;
    if (factors === undefined) return html`<h2>${words.challengeTitle}</h2><p class="muted">${words.loading}</p>${message}`;
    if (this.verified) return html`<h2>${words.challengeTitle}</h2>${message}`;
    const codeKinds = factors.filter((kind) => kind !== 'PASSKEY');
    const delivered = factors.filter(isDelivered);
    return html`
      <h2>${words.challengeTitle}</h2>
      ${this.context ? html`<p>${words.approving(this.context)}</p>` : nothing}
      ${factors.length === 0 && !this.problem ? html`<p>${words.noSufficientFactor}</p>` : nothing}
      ${factors.includes('PASSKEY') || delivered.length
        ? html`<div class="actions">
            ${factors.includes('PASSKEY') ? html`<button type="button" ?disabled=${this.busy} @click=${this.usePasskey}>${words.usePasskey}</button>` : nothing}
            ${delivered.map(
              (kind) => html`<button type="button" class="secondary" ?disabled=${this.busy} @click=${() => this.sendCode(kind)}>${words.sendCode[kind]}</button>`,
            )}
          </div>`
        : nothing}
      ${codeKinds.length
        ? html`<form @submit=${this.submitCode}>
            <label for="code">${words.codeLabel}</label>
            <p class="muted" id="code-hint">${words.codeHint(codeKinds)}</p>
            <div class="actions">
              <input id="code" name="code" type="text" autocomplete="one-time-code" spellcheck="false" aria-describedby="code-hint" maxlength="64" />
              <button type="submit" ?disabled=${this.busy}>${words.verify}</button>
            </div>
          </form>`
        : nothing}
      ${factors.length
        ? html`<label class="check"><input id="remember" type="checkbox" /> ${words.rememberDevice}</label>`
        : nothing}
      ${message}
    `;
  }
}
