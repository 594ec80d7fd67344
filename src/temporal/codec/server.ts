/**
 * A codec server (Temporal's remote codec protocol) so the Web UI and the
 * `temporal` CLI (`--codec-endpoint`) show decrypted payloads: `POST /encode`
 * and `POST /decode` take and return `{ payloads: [...] }` in protobuf JSON.
 * Cross-origin requests are answered only for the UI origins given; with a
 * token, every request must carry `Authorization: Bearer <token>`. It binds
 * to localhost unless told otherwise: whoever reaches it can decrypt.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { AesGcmCodec } from './aes-gcm-codec.js';
import type { CodecKeys } from './keys.js';

export interface CodecServerOptions {
  keys: CodecKeys;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Origins (the Web UI's) whose browsers may call it. */
  origins: readonly string[];
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const PayloadMessage = proto.temporal.api.common.v1.Payload;

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const codec = new AesGcmCodec(options.keys);
  const server = createServer((request, response) => {
    handle(request, response, codec, options).catch((error: unknown) => reply(response, 500, { message: error instanceof Error ? error.message : String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8081, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, codec: AesGcmCodec, options: CodecServerOptions): Promise<void> {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (!options.origins.includes(origin)) return reply(response, 403, { message: `Origin ${origin} may not use this codec server. Fix: start it with --ui-origin ${origin}.` });
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    response.setHeader('Vary', 'Origin');
  }
  if (request.method === 'OPTIONS') {
    response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    response.setHeader('Access-Control-Max-Age', '600');
    response.writeHead(204).end();
    return;
  }
  const action = /\/(encode|decode)$/.exec(request.url?.split('?')[0] ?? '')?.[1];
  if (request.method !== 'POST' || !action) return reply(response, 404, { message: 'POST /encode or /decode.' });
  if (options.token && !bearerMatches(request.headers.authorization, options.token)) return reply(response, 401, { message: 'A bearer token is required.' });
  const body = await readBody(request);
  if (body === undefined) return reply(response, 413, { message: `Requests are limited to ${MAX_BODY_BYTES} bytes.` });
  let payloads: Payload[];
  try {
    const parsed = JSON.parse(body) as { payloads?: unknown };
    if (!Array.isArray(parsed.payloads)) throw new Error('expected { "payloads": [...] }');
    payloads = parsed.payloads.map((payload) => PayloadMessage.fromObject(payload as Record<string, unknown>));
  } catch (error) {
    return reply(response, 400, { message: `Not a codec request: ${(error as Error).message}.` });
  }
  const converted = action === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
  reply(response, 200, { payloads: converted.map((payload) => PayloadMessage.toObject(PayloadMessage.fromObject(payload), { bytes: String })) });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
