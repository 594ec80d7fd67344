/**
 * The champion registry: per experiment, the model currently promoted for
 * inference and the history of every promotion decision (who, when, the
 * metrics both sides had, and why), in `<artifactRoot>/registry/<experiment>.json`.
 * Each update replaces the file atomically under a lock; a decision is
 * recorded once even when the activity writing it is retried (decisions are
 * keyed by id).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeJsonAtomically } from '../artifacts/atomic.js';

export interface ChampionEntry {
  /** The exported model folder. */
  model: string;
  /** The run that produced it. */
  run: string;
  /** Its score on the holdout it was judged on. */
  metrics: Record<string, number>;
  promotedAt: string;
  /** The workflow (or person) that promoted it. */
  by: string;
}

export interface PromotionDecision {
  /** Unique per decision (e.g. the deciding workflow's id and run id): a retried write is recorded once. */
  id: string;
  at: string;
  by: string;
  promoted: boolean;
  challenger: { model: string; run: string; metrics: Record<string, number> };
  champion?: { model: string; run: string; metrics: Record<string, number> };
  reason: string;
}

export interface ChampionRecord {
  experiment: string;
  /** The registry file. */
  file: string;
  current?: ChampionEntry;
  history: PromotionDecision[];
}

/** The registry file of `experiment`. */
export function registryFile(artifactRoot: string, experiment: string): string {
  return join(artifactRoot, 'registry', `${experiment}.json`);
}

/** The experiment's champion and promotion history (an empty record when there is none yet). */
export async function readChampion(artifactRoot: string, experiment: string): Promise<ChampionRecord> {
  const file = registryFile(artifactRoot, experiment);
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Omit<ChampionRecord, 'file'>;
    return { ...stored, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { experiment, file, history: [] };
    throw error;
  }
}

/**
 * Records a decision, and makes the challenger the champion when it was
 * promoted. Idempotent per decision id. Holds a lock on the registry file
 * meanwhile, so decisions of concurrent runs (two schedules, a promotion by
 * hand) are never lost to each other.
 */
export async function recordDecision(artifactRoot: string, experiment: string, decision: PromotionDecision): Promise<ChampionRecord> {
  const file = registryFile(artifactRoot, experiment);
  await mkdir(dirname(file), { recursive: true });
  const unlock = await lockfile.lock(file, { realpath: false, stale: 30_000, retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 200 } });
  try {
    const record = await readChampion(artifactRoot, experiment);
    if (record.history.some((d) => d.id === decision.id)) return record;
    const current: ChampionEntry | undefined = decision.promoted
      ? { ...decision.challenger, promotedAt: decision.at, by: decision.by }
      : record.current;
    const next = { experiment, ...(current ? { current } : {}), history: [...record.history, decision] };
    await writeJsonAtomically(record.file, next);
    return { ...next, file: record.file };
  } finally {
    await unlock();
  }
}
