/**
 * Binaries Epochal builds from source with `go install` and keeps in its
 * cache folder (the Temporal CLI, the S3-compatible test server): one build
 * per pinned version, into a temporary folder renamed into place, so an
 * interrupted or concurrent build never leaves a half-written binary behind.
 * Go prints nothing while it compiles, so a build says how long it usually
 * takes and, every `heartbeatMs`, that it is still going.
 */
import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import which from 'which';
import { defaultCacheDir } from '../cache-dir.js';
import { formatDuration } from '../duration.js';

/** A Go program pinned to one version. */
export interface GoBinary {
  /** What it is called in messages ("the Temporal CLI"). */
  title: string;
  /** The `go install` package path, without the version. */
  module: string;
  version: string;
  /** The binary `go install` writes (the last element of `module`). */
  binary: string;
  /** The cache subfolder (`temporal-1.5.1`). */
  folder: string;
  /** What a first build usually costs, said before it starts ("usually 2–10 min"). */
  usually: string;
  /** More about that cost, for the first message. */
  detail?: string;
}

export interface GoBuildOptions {
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  log?: (message: string) => void;
  /** How often a build says it is still going, in ms (default 15 000). */
  heartbeatMs?: number;
}

/** Where the cached build of `binary` lives. */
export function cachedGoBinaryPath(binary: GoBinary, cacheDir = defaultCacheDir()): string {
  return join(cacheDir, binary.folder, binary.binary);
}

/** The cached build of `binary`, built first when the cache lacks it and Go is on PATH; undefined without Go. */
export async function provisionGoBinary(binary: GoBinary, options: GoBuildOptions = {}): Promise<string | undefined> {
  const target = cachedGoBinaryPath(binary, options.cacheDir);
  if (await isExecutable(target)) return target;
  const env = options.env ?? process.env;
  const go = await which('go', { path: env.PATH ?? '', nothrow: true });
  if (!go) return undefined;
  await buildGoBinary(go, binary, target, env, options.log ?? (() => {}), options.heartbeatMs ?? 15_000);
  return target;
}

async function buildGoBinary(go: string, binary: GoBinary, target: string, env: NodeJS.ProcessEnv, log: (m: string) => void, heartbeatMs: number) {
  const folder = join(target, '..');
  await mkdir(folder, { recursive: true });
  const staging = await mkdtemp(join(folder, '.build-'));
  log(`Building ${binary.title} ${binary.version} with Go into ${folder}, once (${binary.detail ?? binary.usually})`);
  const started = Date.now();
  const elapsed = () => formatDuration((Date.now() - started) / 1000);
  const heartbeat = setInterval(() => log(`  still building ${binary.title}… ${elapsed()} (${binary.usually})`), heartbeatMs);
  try {
    await run(go, ['install', `${binary.module}@v${binary.version}`], { ...env, GOBIN: staging, CGO_ENABLED: '0' });
    await rename(join(staging, binary.binary), target);
  } catch (error) {
    throw new Error(`Building ${binary.title} failed after ${elapsed()}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearInterval(heartbeat);
    await rm(staging, { recursive: true, force: true });
  }
  log(`Built ${target} in ${elapsed()}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`))));
  });
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
