/**
 * What every backend candidate provides: a probe that loads its package and
 * checks the machine, answering either "usable, as this tfjs backend" or
 * "not here, because …, fix by …". Probes never throw.
 */
import { createRequire } from 'node:module';
import type { BackendName } from '../names.js';

/** The outcome of probing one backend on this machine. */
export type Probe =
  | { ok: true; /** The tfjs backend name to `tf.setBackend`. */ tfjsBackend: string; /** The npm package that provides it. */ package: string }
  | { ok: false; /** Why it cannot be used, as one sentence. */ reason: string; /** How to make it usable. */ fix: string };

/** One backend `useBackend` can try. */
export interface BackendCandidate {
  name: BackendName;
  /** Loads the backend's package and checks the machine; memoised, so cheap to call again. */
  probe(): Promise<Probe>;
}

/** Wraps a probe so it runs once per process and later calls share its answer. */
export function once(probe: () => Promise<Probe>): () => Promise<Probe> {
  let answer: Promise<Probe> | undefined;
  return () => (answer ??= probe().catch((error: unknown) => ({ ok: false, reason: firstLine(error), fix: 'see the error above' })));
}

const require = createRequire(import.meta.url);

/** Whether an npm package can be resolved from Epochal (installed, with a usable entry point). */
export function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/** Resolves an installed package's entry file. */
export function resolvePackage(packageName: string): string {
  return require.resolve(packageName);
}

/** The first line of an error's message, for one-sentence reasons. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}
