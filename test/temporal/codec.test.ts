import { randomBytes } from 'node:crypto';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec } from '../../src/temporal/codec/aes-gcm-codec.js';
import { readKeysFile, rotateKeysFile, type CodecKeys } from '../../src/temporal/codec/keys.js';
import { startCodecServer } from '../../src/temporal/codec/server.js';

const keysOf = (entries: Record<string, Buffer>, current: string): CodecKeys => ({ current, keys: new Map(Object.entries(entries)), source: 'a test' });
const secretPayload = (): Payload => defaultPayloadConverter.toPayload({ trainParams: '/home/ana/private/train_params.json', kappa: 0.8125 });
const readable = (payloads: Payload[]) => Buffer.concat(payloads.flatMap((p) => [Buffer.from(p.data ?? []), ...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v))])).toString('latin1');

describe('the payload codec', () => {
  it('encrypts each payload whole (data and metadata) and decrypts it back exactly', async () => {
    const codec = new AesGcmCodec(keysOf({ k1: randomBytes(32) }, 'k1'));
    const payload = secretPayload();
    const [sealed] = await codec.encode([payload]);
    expect(readable([sealed!])).not.toMatch(/private|0\.8125|json\/plain/);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ trainParams: '/home/ana/private/train_params.json', kappa: 0.8125 });
  });

  it('uses a fresh nonce each time: one value never encrypts the same twice', async () => {
    const codec = new AesGcmCodec(keysOf({ k1: randomBytes(32) }, 'k1'));
    const [a, b] = await codec.encode([secretPayload(), secretPayload()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation, decrypts history written with the old key and encrypts with the new one', async () => {
    const k1 = randomBytes(32);
    const old = await new AesGcmCodec(keysOf({ k1 }, 'k1')).encode([secretPayload()]);
    const rotated = new AesGcmCodec(keysOf({ k1, k2: randomBytes(32) }, 'k2'));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode(old))[0]!)).toMatchObject({ kappa: 0.8125 });
    expect(Buffer.from((await rotated.encode([secretPayload()]))[0]!.metadata!['encryption-key-id']!).toString()).toBe('k2');
  });

  it('refuses a payload whose key it lacks, or whose bytes were changed', async () => {
    const [sealed] = await new AesGcmCodec(keysOf({ k1: randomBytes(32) }, 'k1')).encode([secretPayload()]);
    await expect(new AesGcmCodec(keysOf({ k9: randomBytes(32) }, 'k9')).decode([sealed!])).rejects.toThrow(/encrypted with key "k1", which a test does not hold\. Fix: add that key/);
    const codec = new AesGcmCodec(keysOf({ k1: randomBytes(32) }, 'k1'));
    const [mine] = await codec.encode([secretPayload()]);
    mine!.data![20] = mine!.data![20]! ^ 1;
    await expect(codec.decode([mine!])).rejects.toThrow(/authenticate/);
  });

  it('passes payloads that were never encrypted through decoding unchanged', async () => {
    const codec = new AesGcmCodec(keysOf({ k1: randomBytes(32) }, 'k1'));
    const plain = secretPayload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('keys files', () => {
  it('are created 0600, rotate by adding a key, and are refused when others may read them', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'epochal-keys-')), 'keys.json');
    const first = await rotateKeysFile(file, 'k1');
    expect(first).toEqual({ id: 'k1', keys: 1 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await rotateKeysFile(file, 'k2');
    const keys = await readKeysFile(file);
    expect(keys.current).toBe('k2');
    expect([...keys.keys.keys()]).toEqual(['k1', 'k2']);

    const open = join(await mkdtemp(join(tmpdir(), 'epochal-keys-')), 'keys.json');
    await writeFile(open, JSON.stringify({ current: 'a', keys: { a: randomBytes(32).toString('base64') } }), { mode: 0o644 });
    await expect(readKeysFile(open)).rejects.toThrow(`Keys file ${open} may be read by others (mode 644). Fix: chmod 600 ${open}.`);
  });
});

describe('the codec server', () => {
  const ui = 'http://localhost:8233';

  async function server(token?: string) {
    return startCodecServer({ keys: keysOf({ k1: randomBytes(32) }, 'k1'), port: 0, origins: [ui], ...(token ? { token } : {}) });
  }

  it('answers the Web UI: a CORS preflight, then encode and decode in protobuf JSON', async () => {
    const codec = await server();
    try {
      const preflight = await fetch(`${codec.url}/decode`, { method: 'OPTIONS', headers: { Origin: ui, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
      const post = (path: string, payloads: unknown) =>
        fetch(`${codec.url}${path}`, { method: 'POST', headers: { Origin: ui, 'Content-Type': 'application/json', 'X-Namespace': 'default' }, body: JSON.stringify({ payloads }) });
      const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"kappa":0.8125}').toString('base64') };
      const encoded = (await (await post('/encode', [plain])).json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
      const decoded = await post('/decode', encoded.payloads);
      expect(decoded.headers.get('access-control-allow-origin')).toBe(ui);
      expect(await decoded.json()).toEqual({ payloads: [plain] });
    } finally {
      await codec.close();
    }
  });

  it('refuses other origins, and requests without the bearer token when it has one', async () => {
    const codec = await server('s3cret');
    try {
      const body = JSON.stringify({ payloads: [] });
      expect((await fetch(`${codec.url}/decode`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body })).status).toBe(403);
      expect((await fetch(`${codec.url}/decode`, { method: 'POST', body })).status).toBe(401);
      expect((await fetch(`${codec.url}/decode`, { method: 'POST', headers: { Authorization: 'Bearer wrong!' }, body })).status).toBe(401);
      const ok = await fetch(`${codec.url}/decode`, { method: 'POST', headers: { Authorization: 'Bearer s3cret' }, body });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ payloads: [] });
    } finally {
      await codec.close();
    }
  });
});
