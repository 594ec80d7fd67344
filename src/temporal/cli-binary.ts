/**
 * Finds a Temporal CLI binary (which embeds the dev server and Web UI), in this order:
 *   1. `$TEMPORAL_CLI_PATH`;
 *   2. `temporal` on PATH;
 *   3. a cached build in the user's cache folder (`~/.cache/epochal/temporal-<version>/temporal`);
 *   4. a fresh build into that cache with `go install`, when Go is available.
 * When none is found the caller falls back to the Temporal SDK's own download
 * (see `dev-server.ts`), which needs internet access.
 */
import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import which from 'which';
import { defaultCacheDir } from '../cache-dir.js';
import { formatDuration } from '../duration.js';

/** The Temporal CLI release Epochal builds (later tags carry `replace` directives that `go install` refuses). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** A Temporal CLI binary and how it was found. */
export interface TemporalCli {
  path: string;
  source: 'env' | 'path' | 'cache' | 'built';
}

export interface FindTemporalCliOptions {
  /** Environment to read `TEMPORAL_CLI_PATH` and `PATH` from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Cache folder; defaults to the user's cache folder for Epochal (`~/.cache/epochal` on Linux). */
  cacheDir?: string;
  /** Build with Go when nothing else is found (default true). */
  build?: boolean;
  /** Progress messages (the Go build takes minutes on a cold module cache). */
  log?: (message: string) => void;
  /** How often a Go build says it is still going, in ms (default 15 000: the build is silent for minutes otherwise). */
  heartbeatMs?: number;
}

/** What a first build costs, said before it starts: minutes with no output from Go. */
const BUILD_USUALLY = 'usually 2–10 min';
const BUILD_DURATION = `${BUILD_USUALLY}: about 2.5 min on a quiet 2-core machine, up to 10 under load`;

/** Where the cached build of the pinned CLI version lives. */
export function cachedCliPath(cacheDir = defaultCacheDir()): string {
  return join(cacheDir, `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** Finds (or builds) a Temporal CLI; undefined when there is none and Go cannot build one. */
export async function findTemporalCli(options: FindTemporalCliOptions = {}): Promise<TemporalCli | undefined> {
  const env = options.env ?? process.env;
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!(await isExecutable(explicit))) {
      throw new Error(`TEMPORAL_CLI_PATH is set to ${explicit}, which is not an executable file. Fix the path or unset it.`);
    }
    return { path: explicit, source: 'env' };
  }
  const onPath = await which('temporal', { path: env.PATH ?? '', nothrow: true });
  if (onPath) return { path: onPath, source: 'path' };

  const cached = cachedCliPath(options.cacheDir);
  if (await isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.build === false) return undefined;

  const go = await which('go', { path: env.PATH ?? '', nothrow: true });
  if (!go) return undefined;
  await buildTemporalCli(go, cached, env, options.log ?? (() => {}), options.heartbeatMs ?? 15_000);
  return { path: cached, source: 'built' };
}

/**
 * Builds the pinned CLI with `go install` into a temporary folder, then renames
 * the binary into place, so an interrupted or concurrent build never leaves a
 * half-written binary at the cached path. Go prints nothing while it compiles,
 * so the build says how long it usually takes and, every `heartbeatMs`, that it
 * is still going.
 */
async function buildTemporalCli(go: string, target: string, env: NodeJS.ProcessEnv, log: (m: string) => void, heartbeatMs: number) {
  const folder = join(target, '..');
  await mkdir(folder, { recursive: true });
  const staging = await mkdtemp(join(folder, '.build-'));
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${folder}, once (${BUILD_DURATION})`);
  const started = Date.now();
  const heartbeat = setInterval(() => log(`  still building the Temporal CLI… ${formatDuration((Date.now() - started) / 1000)} (${BUILD_USUALLY})`), heartbeatMs);
  try {
    await run(go, ['install', `${MODULE}@v${TEMPORAL_CLI_VERSION}`], { ...env, GOBIN: staging, CGO_ENABLED: '0' });
    await rename(join(staging, 'temporal'), target);
  } catch (error) {
    throw new Error(`Building the Temporal CLI failed after ${formatDuration((Date.now() - started) / 1000)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearInterval(heartbeat);
    await rm(staging, { recursive: true, force: true });
  }
  log(`Built ${target} in ${formatDuration((Date.now() - started) / 1000)}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`)),
    );
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
