/** Forking Epochal's own TypeScript modules as child processes (through tsx, like their parent), resolved from here whatever the working folder. */
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Forks `module` (a .ts file) with an IPC channel using structured-clone serialisation. */
export function forkTypeScript(module: string, options: { execArgv?: string[]; stdio?: StdioOptions } = {}): ChildProcess {
  return fork(module, [], {
    execArgv: ['--import', TSX, ...(options.execArgv ?? [])],
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}
