/** The Epochal cache folder: built tools and libraries (Temporal CLI, libtensorflow), kept across projects. */
import envPaths from 'env-paths';

/** `~/.cache/epochal` on Linux (honouring `XDG_CACHE_HOME`), the platform's cache folder elsewhere; `EPOCHAL_CACHE_DIR` overrides it. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EPOCHAL_CACHE_DIR || envPaths('epochal', { suffix: '' }).cache;
}
