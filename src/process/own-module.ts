/**
 * Epochal's own modules as child processes, in the form the parent runs as:
 * TypeScript through tsx in a source checkout, plain JavaScript from the
 * compiled package (`dist/`, where tsx is not installed).
 */
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file of the module `relative` (no extension) beside the module at `base` (its import.meta.url), with `base`'s extension. */
export function ownModule(base: string, relative: string): string {
  return fileURLToPath(new URL(`${relative}${extname(fileURLToPath(base))}`, base));
}

/** Forks `module` (from `ownModule`) with an IPC channel using structured-clone serialisation; a .ts module runs through tsx. */
export function forkOwnModule(module: string, options: { execArgv?: string[]; stdio?: StdioOptions } = {}): ChildProcess {
  const loader = module.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return fork(module, [], {
    execArgv: [...loader, ...(options.execArgv ?? [])],
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}
