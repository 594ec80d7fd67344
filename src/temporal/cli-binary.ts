/**
 * Finds a Temporal CLI binary (which embeds the dev server and Web UI), in this order:
 *   1. `$TEMPORAL_CLI_PATH`;
 *   2. `temporal` on PATH;
 *   3. a cached build in the user's cache folder (`~/.cache/epochal/temporal-<version>/temporal`);
 *   4. a fresh build into that cache with `go install`, when Go is available.
 * When none is found the caller falls back to the Temporal SDK's own download
 * (see `dev-server.ts`), which needs internet access.
 */
import which from 'which';
import { defaultCacheDir } from '../cache-dir.js';
import { cachedGoBinaryPath, isExecutable, provisionGoBinary, type GoBinary } from '../provision/go-binary.js';

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

/** The pinned CLI as a Go build. */
export const TEMPORAL_CLI: GoBinary = {
  title: 'the Temporal CLI',
  module: MODULE,
  version: TEMPORAL_CLI_VERSION,
  binary: 'temporal',
  folder: `temporal-${TEMPORAL_CLI_VERSION}`,
  usually: 'usually 2–10 min',
  detail: 'usually 2–10 min: about 2.5 min on a quiet 2-core machine, up to 10 under load',
};

/** Where the cached build of the pinned CLI version lives. */
export function cachedCliPath(cacheDir = defaultCacheDir()): string {
  return cachedGoBinaryPath(TEMPORAL_CLI, cacheDir);
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
  const built = await provisionGoBinary(TEMPORAL_CLI, { env, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}), ...(options.log ? { log: options.log } : {}), ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}) });
  return built ? { path: built, source: 'built' } : undefined;
}
