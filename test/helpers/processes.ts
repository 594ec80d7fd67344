/** Running real commands from tests: the `epochal` CLI and the `temporal` binary. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const EPOCHAL_BIN = fileURLToPath(new URL('../../bin/epochal.js', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, collecting its output. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the `epochal` CLI as a user would (`node bin/epochal.js ...`). */
export function epochal(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return run(process.execPath, [EPOCHAL_BIN, ...args], options);
}

/** Starts a long-running command and resolves once its output contains `ready`. */
export function startUntil(
  command: string,
  args: string[],
  ready: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env } });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`"${ready}" did not appear within ${options.timeoutMs ?? 60_000} ms:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${ready}":\n${output}`));
    });
  });
}

/** Sends `signal` and waits for the exit code. */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** A training-only `epochal worker` process (wasm backend); `env` adds step tracing or a pause while committing a checkpoint. */
export function trainingWorker(
  address: string,
  namespace: string,
  queue: string,
  artifactRoot: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; output: () => string }> {
  return startUntil(
    process.execPath,
    [EPOCHAL_BIN, 'worker', '--task-queue', 'none', '--training-task-queue', queue, '--artifact-root', artifactRoot, '--backend', 'wasm'],
    'Worker polling',
    { env: { ...env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } },
  );
}
