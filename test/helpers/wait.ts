/** Waiting on real processes and servers in integration tests. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` every `intervalMs` until it gives a value (a probe that throws counts as not yet); fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await sleep(intervalMs);
  }
}

/** Whether a process of this pid still runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
