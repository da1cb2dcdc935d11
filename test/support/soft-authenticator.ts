import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * A WebAuthn authenticator in software, for tests that need answers a browser would never
 * give: an ES256 key pair (node:crypto), attestation `none`, and assertions signed as an
 * authenticator signs them (authenticatorData ‖ SHA-256(clientDataJSON), DER-encoded ECDSA).
 * Every part of an answer can be bent: the origin the "browser" reports, the RP id hashed
 * into authenticatorData, the UP/UV flags, the counter, the challenge, the signature.
 * The encodings (CBOR, COSE, authenticatorData) are written here from the specs, not taken
 * from the library the service uses, so a mistake of the library's is not repeated here.
 */

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** The few CBOR items WebAuthn needs (RFC 8949): unsigned and negative integers, bytes, text, maps. */
type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  return Buffer.concat([cborHead(5, value.size), ...[...value].flatMap(([key, item]) => [cbor(key), cbor(item)])]);
}

/** authenticatorData's flags (WebAuthn §6.1). */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

/** What a test may bend in one answer. */
export interface Tamper {
  /** the origin the client data names (a phishing page's) */
  origin?: string;
  /** the RP id whose hash goes into authenticatorData */
  rpId?: string;
  /** the challenge signed, instead of the one in the options */
  challenge?: string;
  /** false: the authenticator did not verify the user (UV flag off) */
  userVerified?: boolean;
  /** the signature counter reported, instead of the next one */
  counter?: number;
  /** flip a bit of the signature */
  badSignature?: boolean;
  /** the credential to answer with, instead of this authenticator's own */
  credentialId?: string;
}

/** The parts of the options the service returns that an authenticator reads. */
const optionsJSON = z.object({
  challenge: z.string(),
  rp: z.object({ id: z.string().optional() }).optional(),
  rpId: z.string().optional(),
  user: z.object({ id: z.string() }).optional(),
});

export class SoftAuthenticator {
  readonly credentialId = b64url(randomBytes(16));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private userHandle: string | undefined;
  /** the signature counter; each assertion moves it on by one */
  counter = 0;

  /** `origin`: where the "browser" runs. */
  constructor(readonly origin: string) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The COSE_Key of the public key (RFC 9053: kty EC2, alg ES256, crv P-256, x, y). */
  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
  }

  private clientData(type: string, challenge: string, tamper: Tamper): string {
    return b64url(JSON.stringify({ type, challenge: tamper.challenge ?? challenge, origin: tamper.origin ?? this.origin, crossOrigin: false }));
  }

  /** What `navigator.credentials.create()` would answer, as `toJSON()` gives it. */
  register(options: unknown, tamper: Tamper = {}) {
    const parsed = optionsJSON.parse(options);
    this.userHandle = parsed.user?.id;
    const rpId = tamper.rpId ?? parsed.rp?.id ?? new URL(this.origin).hostname;
    const credentialId = Buffer.from(this.credentialId, 'base64url');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(credentialId.length);
    const flags = UP | AT | (tamper.userVerified === false ? 0 : UV);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), Buffer.alloc(4), Buffer.alloc(16), length, credentialId, this.coseKey()]);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: this.clientData('webauthn.create', parsed.challenge, tamper),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /** What `navigator.credentials.get()` would answer, as `toJSON()` gives it. */
  assert(options: unknown, tamper: Tamper = {}) {
    const parsed = optionsJSON.parse(options);
    const rpId = tamper.rpId ?? parsed.rpId ?? new URL(this.origin).hostname;
    const counter = tamper.counter ?? ++this.counter;
    const signCount = Buffer.alloc(4);
    signCount.writeUInt32BE(counter);
    const flags = UP | (tamper.userVerified === false ? 0 : UV);
    const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([flags]), signCount]);
    const clientDataJSON = this.clientData('webauthn.get', parsed.challenge, tamper);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), this.privateKey);
    if (tamper.badSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    const id = tamper.credentialId ?? this.credentialId;
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
    };
  }
}
