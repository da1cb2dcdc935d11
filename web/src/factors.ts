import { startRegistration } from '@simplewebauthn/browser';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import {
  ConfirmTotpDocument,
  EnrollTotpDocument,
  FinishPasskeyRegistrationDocument,
  GenerateRecoveryCodesDocument,
  RemovePasskeyDocument,
  RenamePasskeyDocument,
  RevokeDeviceDocument,
  StartPasskeyRegistrationDocument,
  UserDevicesDocument,
  UserFactorsDocument,
  type UserDevicesQuery,
  type UserFactorsQuery,
} from '../generated/graphql.js';
import { forgetDevice, rememberedDevice } from './device-memory.js';
import { describeFailure } from './challenge.js';
import { execute, type Endpoint } from './client.js';
import { wordingFor, type Wording } from './messages.js';
import { sharedStyles } from './styles.js';

type User = NonNullable<UserFactorsQuery['user']>;
type Device = NonNullable<UserDevicesQuery['user']>['devices'][number];

/** An expected failure of a mutation: shown in words, never thrown. */
class Refused extends Error {
  constructor(readonly failure: unknown) {
    super('refused');
  }
}

const isFreshProofRequired = (failure: unknown) =>
  typeof failure === 'object' && failure !== null && 'code' in failure && failure.code === 'FRESH_VERIFICATION_REQUIRED';

/** The payload of the type the mutation succeeds with, else a Refused carrying its typed error. */
function expect<T extends { __typename: string }, N extends T['__typename']>(answer: T, typename: N): Extract<T, { __typename: N }> {
  if (answer.__typename !== typename) throw new Refused(answer);
  return answer as Extract<T, { __typename: N }>;
}

/**
 * `<fountain-2fa-factors endpoint token username>`: the user's own second factors. Lists them
 * and their passkeys; sets up an authenticator app (QR code, then its first code); registers,
 * renames and removes passkeys; makes recovery codes and shows them this once, to copy or
 * download. Fires `fountain-2fa-changed` after each change.
 */
export class FountainFactors extends LitElement {
  static override styles = sharedStyles;
  static override properties = {
    endpoint: { type: String },
    token: { type: String },
    username: { type: String },
    user: { state: true },
    devices: { state: true },
    busy: { state: true },
    problem: { state: true },
    status: { state: true },
    enrolment: { state: true },
    recoveryCodes: { state: true },
    renaming: { state: true },
    removing: { state: true },
    proving: { state: true },
  };

  endpoint = '/graphql';
  token = '';
  declare username: string | undefined;
  declare user: User | null | undefined;
  /** the remembered devices that still work */
  devices: Device[] = [];
  busy = false;
  problem = '';
  status = '';
  /** the app being set up: its QR code and key, until confirmed */
  declare enrolment: { qrCode: string; secret: string } | undefined;
  /** shown once, until the user says they are kept */
  declare recoveryCodes: string[] | undefined;
  /** the passkey being renamed or waiting for its removal to be confirmed */
  declare renaming: string | undefined;
  declare removing: string | undefined;
  /** the change waiting for a fresh proof of the user (FRESH_VERIFICATION_REQUIRED), run again once it is given */
  declare proving: (() => Promise<void>) | undefined;

  private get words(): Wording {
    return wordingFor(this);
  }

  private get api(): Endpoint {
    return { url: this.endpoint, token: this.token };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('username') || changed.has('token') || changed.has('endpoint')) {
      this.enrolment = undefined;
      this.recoveryCodes = undefined;
      void this.step(() => this.load());
    }
  }

  /** Reads the factors and devices again (after the challenge remembered this device, say). */
  refresh(): Promise<void> {
    return this.step(() => this.load());
  }

  private async load(): Promise<void> {
    const username = this.username;
    if (!username) return;
    const [{ user }, withDevices] = await Promise.all([
      execute(this.api, UserFactorsDocument, { username }),
      execute(this.api, UserDevicesDocument, { username }),
    ]);
    if (username !== this.username) return;
    this.user = user;
    const now = Date.now();
    this.devices = (withDevices.user?.devices ?? []).filter((device) => device.revokedAt === null && Date.parse(device.expiresAt) > now);
    if (!user) this.problem = this.words.errors.USER_NOT_FOUND ?? this.words.errors.default;
  }

  private async step(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.problem = '';
    this.status = '';
    try {
      await work();
    } catch (failure) {
      const typed = failure instanceof Refused ? failure.failure : failure;
      // Adding or removing a factor with the user's own token needs a recent proof: ask for
      // one with the challenge, then do the change again.
      if (isFreshProofRequired(typed)) {
        this.proving = () => this.step(work);
        this.focusOn('fountain-2fa-challenge');
      } else {
        this.problem = describeFailure(this.words, typed);
      }
    } finally {
      this.busy = false;
    }
  }

  private proven = (event: Event) => {
    event.stopPropagation();
    const retry = this.proving;
    this.proving = undefined;
    void retry?.();
  };

  /** After a change: the list read again, then the words saying it is done, then the event. */
  private async changed(status: string): Promise<void> {
    await this.load();
    this.status = status;
    this.dispatchEvent(new CustomEvent('fountain-2fa-changed', { detail: { username: this.username }, bubbles: true, composed: true }));
  }

  private focusOn(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  private enrollApp = () =>
    this.step(async () => {
      const { enrollTotp } = await execute(this.api, EnrollTotpDocument, { username: this.username ?? '' });
      const enrolment = expect(enrollTotp, 'TotpEnrollment');
      this.enrolment = { qrCode: enrolment.qrCode, secret: enrolment.secret };
      this.focusOn('#app-code');
    });

  private confirmApp = (event: SubmitEvent) => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#app-code');
    const code = input?.value.trim() ?? '';
    if (!code) return input?.focus();
    void this.step(async () => {
      try {
        const { confirmTotp } = await execute(this.api, ConfirmTotpDocument, { username: this.username ?? '', code });
        expect(confirmTotp, 'TotpConfirmation');
      } catch (failure) {
        if (input) input.value = '';
        this.focusOn('#app-code');
        throw failure;
      }
      this.enrolment = undefined;
      await this.changed(this.words.appEnabled);
    });
  };

  private addPasskey = () =>
    this.step(async () => {
      const username = this.username ?? '';
      const { startPasskeyRegistration } = await execute(this.api, StartPasskeyRegistrationDocument, { username });
      const { options } = expect(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
      let response;
      try {
        response = await startRegistration({ optionsJSON: options as Parameters<typeof startRegistration>[0]['optionsJSON'] });
      } catch {
        this.problem = this.words.passkeyCancelled;
        return;
      }
      const { finishPasskeyRegistration } = await execute(this.api, FinishPasskeyRegistrationDocument, { username, response });
      expect(finishPasskeyRegistration, 'Passkey');
      await this.changed(this.words.passkeyAdded);
    });

  private rename = (event: SubmitEvent, id: string) => {
    event.preventDefault();
    const name = this.renderRoot.querySelector<HTMLInputElement>('#rename')?.value.trim() ?? '';
    if (!name) return;
    void this.step(async () => {
      const { renamePasskey } = await execute(this.api, RenamePasskeyDocument, { username: this.username ?? '', id, name });
      expect(renamePasskey, 'Passkey');
      this.renaming = undefined;
      await this.changed('');
    });
  };

  private removePasskey = (id: string) =>
    this.step(async () => {
      const { removePasskey } = await execute(this.api, RemovePasskeyDocument, { username: this.username ?? '', id });
      expect(removePasskey, 'User');
      this.removing = undefined;
      await this.changed('');
    });

  private revokeDevice = (id: string) =>
    this.step(async () => {
      const username = this.username ?? '';
      const { revokeDevice } = await execute(this.api, RevokeDeviceDocument, { username, id });
      expect(revokeDevice, 'RememberedDevice');
      if (rememberedDevice(this.endpoint, username)?.id === id) forgetDevice(this.endpoint, username);
      await this.changed(this.words.deviceRevoked);
    });

  private newRecoveryCodes = () =>
    this.step(async () => {
      const { generateRecoveryCodes } = await execute(this.api, GenerateRecoveryCodesDocument, { username: this.username ?? '' });
      this.recoveryCodes = expect(generateRecoveryCodes, 'RecoveryCodes').codes;
      this.focusOn('#copy-codes');
      await this.changed('');
    });

  private copyCodes = async () => {
    await navigator.clipboard.writeText(`${(this.recoveryCodes ?? []).join('\n')}\n`).then(
      () => (this.status = this.words.copied),
      () => (this.problem = this.words.errors.default),
    );
  };

  private downloadCodes = () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([`${(this.recoveryCodes ?? []).join('\n')}\n`], { type: 'text/plain' }));
    link.download = `recovery-codes-${this.username ?? ''}.txt`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  };

  private closeCodes = () => {
    this.recoveryCodes = undefined;
    this.focusOn('#new-codes');
  };

  private renderPasskey(passkey: User['passkeys'][number]) {
    const words = this.words;
    if (this.renaming === passkey.id) {
      return html`<li>
        <form @submit=${(event: SubmitEvent) => this.rename(event, passkey.id)}>
          <label for="rename">${words.passkeyName}</label>
          <div class="actions">
            <input id="rename" type="text" maxlength="64" .value=${passkey.name} />
            <button type="submit" ?disabled=${this.busy}>${words.save}</button>
            <button type="button" class="secondary" @click=${() => (this.renaming = undefined)}>${words.cancel}</button>
          </div>
        </form>
      </li>`;
    }
    return html`<li>
      <strong>${passkey.name}</strong> <span class="muted">${words.lastUsed(passkey.lastUsedAt)}</span>
      ${this.removing === passkey.id
        ? html`<p>${words.confirmRemove(passkey.name)}</p>
            <div class="actions">
              <button type="button" ?disabled=${this.busy} @click=${() => this.removePasskey(passkey.id)}>${words.remove}</button>
              <button type="button" class="secondary" @click=${() => (this.removing = undefined)}>${words.cancel}</button>
            </div>`
        : html`<div class="actions">
            <button type="button" class="secondary" aria-label="${words.rename}: ${passkey.name}" @click=${() => {
              this.renaming = passkey.id;
              this.focusOn('#rename');
            }}>${words.rename}</button>
            <button type="button" class="secondary" aria-label="${words.remove}: ${passkey.name}" @click=${() => (this.removing = passkey.id)}>${words.remove}</button>
          </div>`}
    </li>`;
  }

  protected override render() {
    const words = this.words;
    const user = this.user;
    if (this.proving) {
      // The same element a page uses for a step-up (defined beside this one in index.ts), for
      // the same user and token.
      return html`<h2>${words.factorsTitle}</h2>
        <p>${words.freshProof}</p>
        <fountain-2fa-challenge
          .endpoint=${this.endpoint}
          .token=${this.token}
          .username=${this.username}
          .ignoreRememberedDevice=${true}
          @fountain-2fa-verified=${this.proven}
        ></fountain-2fa-challenge>
        <div class="actions"><button type="button" class="secondary" @click=${() => (this.proving = undefined)}>${words.cancel}</button></div>`;
    }
    const message = html`
      <p role="alert" class="error">${this.problem}</p>
      <p role="status" class="success">${this.status}</p>
    `;
    if (!user) return html`<h2>${words.factorsTitle}</h2>${user === undefined ? html`<p class="muted">${words.loading}</p>` : nothing}${message}`;
    return html`
      <h2>${words.factorsTitle}</h2>
      ${user.factors.length
        ? html`<ul aria-label=${words.factorsTitle}>
            ${user.factors.map(
              (factor) => html`<li>${words.kinds[factor.kind]}${factor.name ? html` · ${factor.name}` : nothing} <span class="muted">(${words.levels[factor.assurance]})</span></li>`,
            )}
          </ul>`
        : html`<p>${words.noFactors}</p>`}
      ${this.enrolment
        ? html`<section aria-labelledby="app-title">
            <h3 id="app-title">${words.enrollApp}</h3>
            <p>${words.appScan}</p>
            <img class="qr" src=${this.enrolment.qrCode} alt="QR code" />
            <p>${words.appSecret} <code>${this.enrolment.secret}</code></p>
            <form @submit=${this.confirmApp}>
              <label for="app-code">${words.codeLabel}</label>
              <div class="actions">
                <input id="app-code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="10" />
                <button type="submit" ?disabled=${this.busy}>${words.appConfirm}</button>
                <button type="button" class="secondary" @click=${() => (this.enrolment = undefined)}>${words.cancel}</button>
              </div>
            </form>
          </section>`
        : html`<div class="actions">
            <button type="button" id="enroll-app" ?disabled=${this.busy} @click=${this.enrollApp}>${words.enrollApp}</button>
          </div>`}
      <h3>${words.passkeysTitle}</h3>
      ${user.passkeys.length ? html`<ul aria-label=${words.passkeysTitle}>${user.passkeys.map((passkey) => this.renderPasskey(passkey))}</ul>` : html`<p>${words.noPasskeys}</p>`}
      <div class="actions"><button type="button" id="add-passkey" ?disabled=${this.busy} @click=${this.addPasskey}>${words.addPasskey}</button></div>
      <h3>${words.devicesTitle}</h3>
      ${this.devices.length
        ? html`<ul aria-label=${words.devicesTitle}>
            ${this.devices.map((device) => {
              const here = rememberedDevice(this.endpoint, this.username ?? '')?.id === device.id;
              return html`<li>
                <strong>${device.name}</strong>${here ? html` <span>(${words.thisDevice})</span>` : nothing}
                <span class="muted">${words.deviceUntil(device.expiresAt)}</span>
                <div class="actions">
                  <button type="button" class="secondary" aria-label="${words.revoke}: ${device.name}" ?disabled=${this.busy} @click=${() => this.revokeDevice(device.id)}>
                    ${words.revoke}
                  </button>
                </div>
              </li>`;
            })}
          </ul>`
        : html`<p>${words.noDevices}</p>`}
      <h3>${words.recoveryTitle}</h3>
      ${this.recoveryCodes
        ? html`<section aria-label=${words.recoveryTitle}>
            <p>${words.recoveryOnce}</p>
            <div class="codes" data-recovery-codes>${this.recoveryCodes.map((code) => html`<span>${code}</span>`)}</div>
            <div class="actions">
              <button type="button" id="copy-codes" @click=${this.copyCodes}>${words.copy}</button>
              <button type="button" class="secondary" @click=${this.downloadCodes}>${words.download}</button>
              <button type="button" class="secondary" @click=${this.closeCodes}>${words.done}</button>
            </div>
          </section>`
        : html`<div class="actions">
            <button type="button" id="new-codes" class="secondary" ?disabled=${this.busy} @click=${this.newRecoveryCodes}>${words.newRecoveryCodes}</button>
          </div>`}
      ${message}
    `;
  }
}
