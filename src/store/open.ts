/**
 * The artifact store an artifact root names: `s3://bucket/prefix` is S3 (or
 * an S3-compatible server), anything else a local folder.
 */
import { LocalStore } from './local-store.js';
import { s3ClientFromEnvironment, S3Store } from './s3-store.js';
import { isStoreUrl, type ArtifactStore } from './store.js';

export function openStore(root: string, env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  if (isStoreUrl(root)) return new S3Store(root, s3ClientFromEnvironment(env));
  return new LocalStore(root);
}
