/**
 * The per-epoch records the run report draws while a run trains, kept in
 * `reports/history.json` and extended chunk by chunk: refreshing the report
 * after a chunk takes only that chunk's epochs, so the workflow's history grows
 * with the run's length, not with its square.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomically } from '../artifacts/atomic.js';
import type { EpochRecord } from '../train/chunk.js';

/**
 * Replaces every record after epoch `after` with `records` (a chunk's epochs:
 * a retried or reset chunk's records replace those of the timeline it
 * discarded) and returns the whole history.
 */
export async function extendEpochHistory(reportsDir: string, after: number, records: readonly EpochRecord[]): Promise<EpochRecord[]> {
  const file = join(reportsDir, 'history.json');
  const known = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as EpochRecord[],
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  const history = [...known.filter((record) => record.epoch <= after), ...records];
  await writeJsonAtomically(file, history);
  return history;
}
