/**
 * Confinement: a worker reads data, configs and models only from its read
 * roots and writes artifacts and outputs only under its write roots. Every
 * path that arrives from workflow input, a config or a model file is
 * resolved (symbolic links included: the real path of the longest part that
 * exists) and checked against the roots before anything opens it. A path
 * outside gets one generic answer that does not say whether it exists.
 */
import { realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isStoreUrl } from '../store/store.js';

/** The folders a worker may read from and write to (absolute). */
export interface Roots {
  read: readonly string[];
  write: readonly string[];
}

export type Access = keyof Roots;

/** What to change so a worker may use a path: for messages. */
export const ROOTS_HELP: Record<Access, string> = {
  read: 'start the worker with --read-root <folder> (EPOCHAL_READ_ROOTS) to let it read there',
  write: 'start the worker with --write-root <folder> (EPOCHAL_WRITE_ROOTS) to let it write there',
};

/**
 * A worker's roots: the given lists, or by default its working folder and
 * its artifact root for both reading and writing.
 */
export function workerRoots(options: { cwd: string; artifactRoot: string; read?: readonly string[] | undefined; write?: readonly string[] | undefined }): Roots {
  const defaults = [options.cwd, options.artifactRoot];
  const absolute = (list: readonly string[] | undefined) => (list && list.length > 0 ? list : defaults).map((root) => (isStoreUrl(root) ? root : resolve(options.cwd, root)));
  return { read: absolute(options.read), write: absolute(options.write) };
}

/** `EPOCHAL_READ_ROOTS` / `EPOCHAL_WRITE_ROOTS` as lists (separated like PATH: `:`, or `;` on Windows; the colon of `s3://` separates nothing). */
export function rootsFromEnv(env: NodeJS.ProcessEnv = process.env): { read?: string[]; write?: string[] } {
  const separator = delimiter === ':' ? /:(?!\/\/)/ : delimiter;
  const list = (value: string | undefined) => value?.split(separator).filter((entry) => entry.length > 0);
  const read = list(env.EPOCHAL_READ_ROOTS);
  const write = list(env.EPOCHAL_WRITE_ROOTS);
  return { ...(read?.length ? { read } : {}), ...(write?.length ? { write } : {}) };
}

/** The real path of `path`: links resolved along the part that exists, the rest appended as written. */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    const parent = dirname(absolute);
    if (parent === absolute) return absolute;
    return join(await realPathOf(parent), basename(absolute));
  }
}

function contains(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Whether an object-store reference lies under an object-store root (`..` never counts: keys have none). */
function storeUrlInside(root: string, url: string): boolean {
  const base = root.replace(/\/+$/, '');
  return !url.split('/').includes('..') && (url === base || url.startsWith(`${base}/`));
}

/** Whether `path` (after links) lies inside one of `roots` (after links). */
export async function isInside(path: string, roots: readonly string[]): Promise<boolean> {
  const real = await realPathOf(path);
  for (const root of roots) if (!isStoreUrl(root) && contains(await realPathOf(root), real)) return true;
  return false;
}

/**
 * Whether `path` may be used for `access` under `roots`. A glob is checked by
 * its fixed leading folders and by every file it matches (a link inside a
 * root may point outside it).
 */
export async function allowed(path: string, access: Access, roots: Roots): Promise<boolean> {
  const list = roots[access];
  if (isStoreUrl(path)) return list.some((root) => isStoreUrl(root) && storeUrlInside(root, path));
  if (!isDynamicPattern(path)) return isInside(path, list);
  if (!(await isInside(fixedPart(path), list))) return false;
  const matches = await glob(path, { absolute: true }); // as the readers expand it
  for (const match of matches) if (!(await isInside(match, list))) return false;
  return true;
}

/** The leading folders of a glob pattern, before its first wildcard segment. */
function fixedPart(pattern: string): string {
  const segments = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const segment of segments) {
    if (isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/') || '/';
}
