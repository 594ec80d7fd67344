/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM. The
 * whole payload (its metadata too) is serialised and encrypted; the result
 * carries only `encoding: binary/encrypted`, the cipher and the key id. A
 * fresh 96-bit nonce per payload; the key id is authenticated with the data.
 * Payloads that are not encrypted pass through decoding unchanged (history
 * from before encryption was turned on stays readable).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { CodecKeyError, type CodecKeys } from './keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const CIPHER = 'AES-256-GCM';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const text = (value: string) => Buffer.from(value, 'utf8');
const read = (payload: Payload, key: string) => (payload.metadata?.[key] ? Buffer.from(payload.metadata[key]).toString('utf8') : undefined);

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keys.current;
    const key = this.keys.keys.get(id)!;
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(text(id));
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text(ENCRYPTED_ENCODING), 'encryption-cipher': text(CIPHER), 'encryption-key-id': text(id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (read(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
      const id = read(payload, 'encryption-key-id') ?? '';
      const key = this.keys.keys.get(id);
      if (!key) throw new CodecKeyError(`A payload is encrypted with key "${id}", which ${this.keys.source} does not hold. Fix: add that key to the keys file (keep old keys when rotating).`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES)).setAAD(text(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
