/**
 * Payload encryption keys. A keys file holds every key by id and names the
 * current one (new payloads are encrypted with it; older ones decrypt with
 * the key their metadata names, so keys rotate without re-encrypting
 * history). `EPOCHAL_CODEC_KEYS` names the file; `EPOCHAL_CODEC_KEY` (base64,
 * 32 bytes) with `EPOCHAL_CODEC_KEY_ID` gives one key directly. A keys file
 * that others can read is refused, as ssh refuses a private key.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/** The keys a codec can use: `current` encrypts, all decrypt. */
export interface CodecKeys {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
  /** Where they came from, for messages. */
  source: string;
}

const KEY_BYTES = 32;
const Base64Key = z.string().refine((value) => Buffer.from(value, 'base64').length === KEY_BYTES, `Expected ${KEY_BYTES} bytes, base64-encoded.`);
const KeysFile = z.strictObject({ current: z.string().min(1), keys: z.record(z.string().min(1), Base64Key) });

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/** The keys configured by the environment, or undefined when payloads are not to be encrypted. */
export async function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<CodecKeys | undefined> {
  if (env.EPOCHAL_CODEC_KEYS) return readKeysFile(env.EPOCHAL_CODEC_KEYS);
  if (!env.EPOCHAL_CODEC_KEY) return undefined;
  const id = env.EPOCHAL_CODEC_KEY_ID || 'default';
  const parsed = Base64Key.safeParse(env.EPOCHAL_CODEC_KEY);
  if (!parsed.success) throw new CodecKeyError(`EPOCHAL_CODEC_KEY: expected ${KEY_BYTES} random bytes, base64-encoded. Fix: create one with \`openssl rand -base64 32\`, or use a keys file (epochal codec-key <file>).`);
  return { current: id, keys: new Map([[id, Buffer.from(parsed.data, 'base64')]]), source: 'EPOCHAL_CODEC_KEY' };
}

/** Reads a keys file, refusing one that group or others may read. */
export async function readKeysFile(file: string): Promise<CodecKeys> {
  const mode = (await stat(file)).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new CodecKeyError(`Keys file ${file} may be read by others (mode ${mode.toString(8)}). Fix: chmod 600 ${file}.`);
  }
  const parsed = KeysFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new CodecKeyError(`Keys file ${file} is not an Epochal keys file: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  const { current, keys } = parsed.data;
  if (!(current in keys)) throw new CodecKeyError(`Keys file ${file} names "${current}" as current, but holds no key by that id. Fix: set current to one of ${Object.keys(keys).join(', ')}.`);
  return { current, keys: new Map(Object.entries(keys).map(([id, key]) => [id, Buffer.from(key, 'base64')])), source: file };
}

/**
 * Adds a fresh random key to `file` (creating it, mode 0600) and makes it
 * current; earlier keys stay, so history written with them still decrypts.
 */
export async function rotateKeysFile(file: string, id = `key-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`): Promise<{ id: string; keys: number }> {
  let keys: Record<string, string> = {};
  try {
    keys = Object.fromEntries([...(await readKeysFile(file)).keys].map(([name, key]) => [name, key.toString('base64')]));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (id in keys) throw new CodecKeyError(`Keys file ${file} already holds a key "${id}". Fix: choose another id.`);
  keys[id] = randomBytes(KEY_BYTES).toString('base64');
  await writeFile(file, `${JSON.stringify({ current: id, keys }, null, 2)}\n`, { mode: 0o600 });
  return { id, keys: Object.keys(keys).length };
}
