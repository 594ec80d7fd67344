/**
 * Epochal's own package: where it is installed (a source checkout, or
 * `node_modules/epochal` with the compiled code under `dist/`), its version,
 * and the commit it was built from.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The folder holding Epochal's package.json: the checkout, or the installed package. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** Written by `npm run build` beside the compiled code: the commit the package was built from. */
export const BUILD_INFO_PATH = join(PACKAGE_ROOT, 'dist', 'build-info.json');

export interface Provenance {
  /** package.json's version. */
  version: string;
  /** The git commit of the build (compiled package) or of the checkout (source). */
  commit?: string;
  /** Whether the checkout or the build had uncommitted changes to tracked files. */
  dirty?: boolean;
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}: Epochal's files are not where its package put them.`);
  }
}

/** package.json's version. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

let cached: Promise<Provenance> | undefined;

/**
 * Epochal's version and commit: from the build info of a compiled package, else from git when the package root
 * is itself a checkout's top (never the git repository of a project that installed Epochal), else the version alone.
 */
export function provenance(): Promise<Provenance> {
  cached ??= readProvenance();
  return cached;
}

async function readProvenance(): Promise<Provenance> {
  const version = packageVersion();
  if (existsSync(BUILD_INFO_PATH) && !existsSync(join(PACKAGE_ROOT, 'src', 'package.ts'))) {
    const built = JSON.parse(await readFile(BUILD_INFO_PATH, 'utf8')) as Omit<Provenance, 'version'>;
    return { version, ...(built.commit ? { commit: built.commit, dirty: Boolean(built.dirty) } : {}) };
  }
  return { version, ...(await gitState(PACKAGE_ROOT)) };
}

/** The commit and dirtiness of the checkout whose top is `dir`; nothing when `dir` is not one. */
export async function gitState(dir: string): Promise<{ commit?: string; dirty?: boolean }> {
  const git = (...args: string[]) => promisify(execFile)('git', ['-C', dir, ...args]).then((out) => out.stdout.trim());
  try {
    if (resolve(await git('rev-parse', '--show-toplevel')) !== resolve(dir)) return {};
    const [commit, status] = await Promise.all([git('rev-parse', 'HEAD'), git('status', '--porcelain', '--untracked-files=no')]);
    return { commit, dirty: status.length > 0 };
  } catch {
    return {};
  }
}
