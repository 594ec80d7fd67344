/**
 * A run's checkpoints over time: `checkpoints/ckpt-<step>` folders, the newest
 * valid one found by verifying hashes (a corrupt or half-written one is
 * skipped), and the oldest pruned beyond the last K.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { verifyCheckpoint } from './checkpoint.js';

const NAME = /^ckpt-(\d+)$/;

/** Complete checkpoint folders (by name; staging folders excluded), newest first, with their steps. */
export async function listCheckpoints(dir: string): Promise<{ path: string; step: number }[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((entry) => entry.match)
    .map((entry) => ({ path: join(dir, entry.name), step: Number(entry.match![1]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The first of `candidates` that verifies (complete, every hash matching),
 * with the problems of those passed over; undefined when none does.
 */
export async function firstValidCheckpoint(candidates: readonly string[]): Promise<{ path?: string; skipped: { path: string; reason: string }[] }> {
  const skipped: { path: string; reason: string }[] = [];
  for (const path of candidates) {
    try {
      await verifyCheckpoint(path);
      return { path, skipped };
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push({ path, reason: error.message });
    }
  }
  return { skipped };
}

/**
 * Deletes all but the newest `keep` checkpoints in `dir`, never one of
 * `protect`, and the leftovers of writes that never completed (a process
 * killed while writing leaves a `ckpt-N.staging-*` folder, never a `ckpt-N`).
 */
export async function pruneCheckpoints(dir: string, keep: number, protect: readonly string[]): Promise<void> {
  const all = await listCheckpoints(dir);
  for (const { path } of all.slice(keep)) {
    if (!protect.includes(path)) await rm(path, { recursive: true, force: true });
  }
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^ckpt-\d+\.(staging|retired)-/.test(n))) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
}
