/**
 * A real S3-compatible server (versitygw, built once into the Epochal cache)
 * for the tests of the S3 artifact store, one per test file, over a fresh
 * folder whose subfolders are the buckets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { provisionS3Server, startS3Server, type S3Server } from '../../src/store/s3-server.js';

export function useS3Server(buckets: string[]): () => S3Server & { dir: string } {
  let server: (S3Server & { dir: string }) | undefined;
  beforeAll(async () => {
    const binary = await provisionS3Server({ log: (message) => console.log(message) });
    if (!binary) throw new Error('No versitygw build in the Epochal cache and no Go to build one: run `npx epochal provision s3` (needs Go).');
    const dir = await mkdtemp(join(tmpdir(), 'epochal-s3-'));
    server = { ...(await startS3Server({ binary, dir, buckets })), dir };
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    if (server) await rm(server.dir, { recursive: true, force: true });
  });
  return () => {
    if (!server) throw new Error('The S3 server is not running (its beforeAll failed).');
    return server;
  };
}
