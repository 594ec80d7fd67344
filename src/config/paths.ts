/** Resolving the paths a config names, and reporting the ones that lead nowhere. */
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isStoreUrl } from '../store/store.js';
import type { ConfigIssue, PathSegment } from './issues.js';

/** A path a config names, with the JSON path of the key that names it. */
export interface NamedPath {
  key: PathSegment[];
  /** The path as resolved (absolute), possibly a glob. */
  value: string;
  /** What must be there, for the message: "a file", "a checkpoint folder". */
  expected: string;
}

/** Resolves `path` against `baseDir` unless it is already absolute (or an object-store reference). */
export function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) || isStoreUrl(path) ? path : resolve(baseDir, path);
}

/**
 * One issue per path that does not exist, or per glob that matches nothing.
 * `baseDir` is named in the hint, since relative paths resolve against it.
 */
export async function missingPaths(paths: readonly NamedPath[], baseDir: string, file?: string): Promise<ConfigIssue[]> {
  const checked = await Promise.all(
    paths.map(async (named) => (isStoreUrl(named.value) || (await exists(named.value)) ? undefined : named)), // objects: looked for by the stage that reads them
  );
  return checked
    .filter((named): named is NamedPath => named !== undefined)
    .map((named) => ({
      ...(file ? { file } : {}),
      path: named.key,
      message: isDynamicPattern(named.value)
        ? `Expected ${named.expected}, but the pattern ${named.value} matches nothing.`
        : `Expected ${named.expected}, but ${named.value} does not exist.`,
      hint: `check the path; relative paths resolve against ${baseDir}.`,
    }));
}

async function exists(path: string): Promise<boolean> {
  if (isDynamicPattern(path)) return (await glob(path, { absolute: true })).length > 0;
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
