import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '@daedalus/contracts';

/** At least this many bytes of key material (HMAC-SHA256 gains nothing past 64). */
export const MIN_SIGNING_KEY_BYTES = 32;

/** What a MAC is for: a MAC made for one purpose never verifies as another's (a command is no event). */
export type SignaturePurpose = 'record' | 'command' | 'event';

/**
 * The key coordinators and agents share (`--command-signing-key-file`), never sent anywhere: HMAC-SHA256 over a
 * value's canonical JSON, so a record, command or event made or altered by a client without the key does not
 * verify. See "Defence in depth" in docs/design.md.
 */
export class SigningKey {
  private readonly key: Buffer;

  constructor(material: Uint8Array) {
    if (material.length < MIN_SIGNING_KEY_BYTES) {
      throw new Error(`a signing key needs at least ${MIN_SIGNING_KEY_BYTES} bytes, this one has ${material.length}`);
    }
    this.key = Buffer.from(material);
  }

  mac(purpose: SignaturePurpose, value: unknown): string {
    return createHmac('sha256', this.key).update(`daedalus.${purpose}\n`).update(canonicalJson(value)).digest('base64url');
  }

  verifies(purpose: SignaturePurpose, value: unknown, mac: unknown): boolean {
    if (typeof mac !== 'string') return false;
    const expected = Buffer.from(this.mac(purpose, value));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
