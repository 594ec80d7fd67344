/** Ending a child process that will not end by itself. */
import type { ChildProcess } from 'node:child_process';

/**
 * Sends SIGTERM, then SIGKILL if the process has not exited after `graceMs`.
 * Resolves once it has exited, or `graceMs` after the SIGKILL whatever
 * happened (a process stuck in the kernel may exit late or never say so).
 */
export function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const done = () => {
      timers.forEach(clearTimeout);
      child.off('exit', done);
      resolve();
    };
    child.once('exit', done);
    timers.push(
      setTimeout(() => child.kill('SIGKILL'), graceMs),
      setTimeout(done, 2 * graceMs),
    );
    child.kill('SIGTERM');
  });
}
