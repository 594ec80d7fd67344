/**
 * The processes of a local topology: each one's stdout and stderr go to its
 * own log file, and the end of that log is kept so that a failed start or a
 * failed command says what the process printed. A process may run as another
 * system user (PostgreSQL refuses to run as root).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A system user to run a process as (`uid`/`gid` of `child_process.spawn`). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface LoggedProcessOptions {
  /** What it is called in messages ("PostgreSQL", "the Temporal server"). */
  title: string;
  command: string;
  args: string[];
  /** Where its stdout and stderr go (appended). */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runAs?: RunAs;
}

/** A long-running process with its log. */
export interface LoggedProcess {
  title: string;
  child: ChildProcess;
  logFile: string;
  /** Whether it has exited. */
  exited(): boolean;
  /** Settles once it has exited and its output is all read. */
  closed: Promise<void>;
  /** An error saying `what` went wrong, with the end of the log. */
  failure(what: string): Error;
  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Starts `command`, its output going to `logFile`. */
export function startLoggedProcess(options: LoggedProcessOptions): LoggedProcess {
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.runAs ?? {}),
  });
  const file = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
    file.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // Never outlive the process that started it, even when that one ends without stopping it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exit = new Promise<void>((resolve) =>
    child.once('close', () => {
      process.off('exit', killOnExit);
      file.end();
      resolve();
    }),
  );
  const exited = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
  const lastLines = (lines = 20) => tail.trimEnd().split('\n').slice(-lines).join('\n');

  return {
    title: options.title,
    child,
    logFile: options.logFile,
    exited,
    closed: exit,
    failure: (what) => {
      const status = spawnError ? `could not start: ${spawnError.message}` : exited() ? `exited with ${child.exitCode ?? child.signalCode}` : 'still running';
      const log = lastLines();
      return new Error(`${what} (${options.title} ${status}). The end of its log (${options.logFile}):\n${log || '(empty)'}`);
    },
    stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
      if (spawnError) return;
      if (!exited()) child.kill(signal);
      const stopped = await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** Runs `command` to its end, its output going to `logFile`; rejects with the end of the log unless it exits 0. */
export async function runLogged(options: LoggedProcessOptions): Promise<void> {
  const run = startLoggedProcess(options);
  await new Promise<void>((resolve) => run.child.once('close', () => resolve()).once('error', () => resolve()));
  if (run.child.exitCode !== 0) throw run.failure(`${options.command} ${options.args.join(' ')} failed`);
}

export interface WaitUntilOptions {
  /** The process that must stay up meanwhile: its exit fails the wait at once, with its log. */
  process: LoggedProcess;
  /** What is awaited, for the timeout message ("PostgreSQL to accept connections"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
}

/** Polls `ready` until it returns true, failing with the process's log when it exits or the time runs out. */
export async function waitUntil(ready: () => Promise<boolean>, options: WaitUntilOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.process.exited()) {
      await Promise.race([options.process.closed, sleep(1_000)]); // the last of its output, which says why
      throw options.process.failure(`Waiting for ${options.what} failed`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) throw options.process.failure(`Waited ${options.timeoutMs / 1000} s for ${options.what} in vain`);
    await sleep(options.intervalMs ?? 200);
  }
}
