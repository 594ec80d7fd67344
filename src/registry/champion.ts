/**
 * The champion registry: per experiment, the model currently promoted for
 * inference and the history of every promotion decision (who, when, the
 * metrics both sides had, and why), in `<artifactRoot>/registry/<experiment>.json`.
 * The champion is a content digest, not a folder: each entry records the
 * model's file manifest (`model-digest.ts`), which inference verifies before
 * scoring. The file lives in the artifact store and every update is a
 * conditional write against the version it read (`If-Match`, or
 * `If-None-Match` for the first), retried on a conflict: no locks, so it works
 * the same on a local folder and on S3. A decision is recorded once even when
 * the activity writing it is retried (decisions are keyed by id), and a
 * promotion is a compare-and-swap against the champion that was judged: when
 * another model was promoted meanwhile, the decision is recorded as stale and
 * the newer champion stays. Model folders inside the artifact root are stored
 * relative to it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveStored, storedPath } from '../artifacts/run-folder.js';
import { StoreConflictError } from '../errors.js';
import { openStore } from '../store/open.js';
import type { ArtifactStore } from '../store/store.js';
import type { ModelManifest } from './model-digest.js';

/** A model as a promotion decision saw it. */
export interface JudgedModel {
  /** The exported model folder. */
  model: string;
  /** The run that produced it. */
  run: string;
  /** Its score on the holdout it was judged on. */
  metrics: Record<string, number>;
  /** Its files and their SHA-256, as judged (absent only in registries written before digests were recorded). */
  manifest?: ModelManifest;
}

export interface ChampionEntry extends JudgedModel {
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
  challenger: JudgedModel;
  /** The champion the challenger was judged against (none: there was no champion). */
  champion?: JudgedModel;
  reason: string;
  /**
   * Set when the champion had changed between judging and recording (another
   * promotion landed first): the decision changed nothing, and this is the
   * champion that stayed (none when the registry has none).
   */
  stale?: { current: Pick<ChampionEntry, 'model' | 'run' | 'promotedAt' | 'by'> | null };
}

export interface ChampionRecord {
  experiment: string;
  /** The registry file. */
  file: string;
  current?: ChampionEntry;
  history: PromotionDecision[];
}

/** The registry file of `experiment`, as a store key. */
function registryKey(experiment: string): string {
  return `registry/${experiment}.json`;
}

/** The registry file of `experiment` (a path, or an s3:// location). */
export function registryFile(artifactRoot: string, experiment: string): string {
  return openStore(artifactRoot).describe(registryKey(experiment));
}

/** The experiment's champion and promotion history (an empty record when there is none yet). */
export async function readChampion(artifactRoot: string, experiment: string): Promise<ChampionRecord> {
  return (await readVersioned(openStore(artifactRoot), artifactRoot, experiment)).record;
}

/** The record and the store's tag of the version read (none when the registry has no file yet). */
async function readVersioned(store: ArtifactStore, artifactRoot: string, experiment: string): Promise<{ record: ChampionRecord; etag?: string }> {
  const key = registryKey(experiment);
  const file = store.describe(key);
  const read = await store.read(key);
  if (!read) return { record: { experiment, file, history: [] } };
  const stored = JSON.parse(read.body.toString('utf8')) as Omit<ChampionRecord, 'file'>;
  return { record: { ...withModelPaths(stored, (path) => resolveStored(artifactRoot, path)), file }, etag: read.etag };
}

/** How often a decision is tried again when other writers keep landing first. */
const CONFLICT_ATTEMPTS = 100;

/**
 * Records a decision, and makes the challenger the champion when it was
 * promoted and the champion is still the one it was judged against. A
 * decision made against an older champion is recorded as stale and changes
 * nothing. Idempotent per decision id. Written only over the version it was
 * computed from, so decisions of concurrent runs (two schedules, a promotion
 * by hand, workers on other machines) are never lost to each other.
 */
export async function recordDecision(artifactRoot: string, experiment: string, decision: PromotionDecision): Promise<ChampionRecord> {
  const store = openStore(artifactRoot);
  for (let attempt = 1; ; attempt++) {
    const { record, etag } = await readVersioned(store, artifactRoot, experiment);
    if (record.history.some((d) => d.id === decision.id)) return record;
    const recorded: PromotionDecision = sameModel(record.current, decision.champion)
      ? decision
      : { ...decision, promoted: false, stale: { current: record.current ? pick(record.current) : null } };
    const current: ChampionEntry | undefined = recorded.promoted ? { ...decision.challenger, promotedAt: decision.at, by: decision.by } : record.current;
    const next = { experiment, ...(current ? { current } : {}), history: [...record.history, recorded] };
    const body = `${JSON.stringify(withModelPaths(next, (path) => storedPath(artifactRoot, path)), null, 2)}\n`;
    try {
      await store.write(registryKey(experiment), body, etag === undefined ? { ifNoneMatch: true } : { ifMatch: etag });
      return { ...next, file: record.file };
    } catch (error) {
      if (!(error instanceof StoreConflictError) || attempt === CONFLICT_ATTEMPTS) throw error;
      await sleep(Math.random() * Math.min(200, 5 * attempt)); // another decision landed first: read it and decide again
    }
  }
}

/** Whether the registry's champion is the model a decision judged (by digest; by folder for entries from before digests). */
function sameModel(current: ChampionEntry | undefined, judged: JudgedModel | undefined): boolean {
  if (!current || !judged) return current === judged;
  if (current.model !== judged.model) return false;
  return current.manifest && judged.manifest ? current.manifest.digest === judged.manifest.digest : current.run === judged.run;
}

/**
 * The record with every model folder passed through `path`: the file stores
 * them relative to the artifact root (a moved root keeps its registry valid),
 * readers get absolute paths.
 */
function withModelPaths<T extends Omit<ChampionRecord, 'file'>>(record: T, path: (model: string) => string): T {
  const model = <M extends { model: string }>(judged: M): M => ({ ...judged, model: path(judged.model) });
  return {
    ...record,
    ...(record.current ? { current: model(record.current) } : {}),
    history: record.history.map((decision) => ({
      ...decision,
      challenger: model(decision.challenger),
      ...(decision.champion ? { champion: model(decision.champion) } : {}),
      ...(decision.stale?.current ? { stale: { current: model(decision.stale.current) } } : {}),
    })),
  };
}

function pick({ model, run, promotedAt, by }: ChampionEntry): Pick<ChampionEntry, 'model' | 'run' | 'promotedAt' | 'by'> {
  return { model, run, promotedAt, by };
}
