/**
 * `epochal codec-key <file>`: create or rotate the payload encryption keys;
 * `epochal codec-server`: serve them to the Temporal Web UI and CLI
 * (`--codec-endpoint`), so people see decrypted payloads while the server
 * stores only ciphertext.
 */
import type { Command } from 'commander';
import { codecKeysFromEnv, rotateKeysFile } from '../../temporal/codec/keys.js';
import { startCodecServer } from '../../temporal/codec/server.js';
import { print, untilInterrupted } from '../shared.js';

interface ServerFlags {
  host: string;
  port: string;
  uiOrigin: string[];
  token?: string;
}

export function registerCodec(program: Command): void {
  program
    .command('codec-key')
    .description('Add a new random payload encryption key to a keys file (created 0600) and make it current; older keys stay for decryption')
    .argument('<file>', 'the keys file (then set EPOCHAL_CODEC_KEYS to it for workers, clients and the codec server)')
    .option('--id <id>', 'the new key id (default: key-<timestamp>)')
    .action(async (file: string, flags: { id?: string }) => {
      const { id, keys } = await rotateKeysFile(file, ...(flags.id ? [flags.id] : []));
      print.ok(`${file}: key "${id}" is current (${keys} key${keys === 1 ? '' : 's'} in the file).`);
      print.field('use it', `EPOCHAL_CODEC_KEYS=${file} (workers, epochal commands, epochal codec-server)`);
    });

  program
    .command('codec-server')
    .description('Decrypt payloads for the Temporal Web UI and CLI (keys from EPOCHAL_CODEC_KEYS or EPOCHAL_CODEC_KEY)')
    .option('--host <host>', 'interface to bind (whoever reaches it can decrypt)', '127.0.0.1')
    .option('--port <port>', 'port', '8081')
    .option('--ui-origin <urls...>', 'Web UI origins allowed to call it', ['http://localhost:8233', 'http://127.0.0.1:8233'])
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $EPOCHAL_CODEC_SERVER_TOKEN)')
    .action(async (flags: ServerFlags) => {
      const keys = await codecKeysFromEnv();
      if (!keys) throw new Error('No payload keys: set EPOCHAL_CODEC_KEYS to a keys file (epochal codec-key <file> makes one), or EPOCHAL_CODEC_KEY.');
      const token = flags.token ?? process.env.EPOCHAL_CODEC_SERVER_TOKEN;
      const server = await startCodecServer({ keys, host: flags.host, port: Number(flags.port), origins: flags.uiOrigin, ...(token ? { token } : {}) });
      print.ok(`Codec server on ${server.url} (keys from ${keys.source}, current "${keys.current}")`);
      print.field('Web UI', `Settings → Codec Server → ${server.url}`);
      print.field('temporal CLI', `--codec-endpoint ${server.url}${token ? ' --codec-auth "Bearer <token>"' : ''}`);
      print.field('origins', flags.uiOrigin.join(', '));
      await untilInterrupted();
      await server.close();
    });
}
