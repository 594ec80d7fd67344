/**
 * What a run folder says about its run, read leniently (plain JSON, any
 * missing file is just absent): the configs it ran, when it began, and, once
 * exported, its metrics.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESERVED_RUN_IDS } from '../../workflows/inputs.js';
import { OWNER_FILE } from '../artifacts/run-owner.js';
import type { EpochRecord } from '../train/chunk.js';
import type { SplitEvaluation } from '../train/evaluate.js';

/** A run folder's contents, as far as they exist. */
export interface RunFolderSummary {
  id: string;
  folder: string;
  /** The workflow that owns the folder (`owner.json`): the id the server knows the run by, which a run id need not be. */
  workflowId?: string;
  /** The resolved configs of the run (plain JSON). */
  train?: Record<string, unknown>;
  net?: Record<string, unknown>;
  experiment?: string;
  createdAt?: Date;
  /** metrics.json: present once the run exported its model. */
  metrics?: { history: EpochRecord[]; best?: { monitor: string; value: number; epoch?: number }; exported?: { which: string; epoch: number }; test: SplitEvaluation | null };
  /** Seconds per stage, from the manifest. */
  timings?: Record<string, number>;
}

/** Reads one run folder. */
export async function readRunFolder(folder: string, id: string): Promise<RunFolderSummary> {
  const json = async <T>(...path: string[]): Promise<T | undefined> => {
    try {
      return JSON.parse(await readFile(join(folder, ...path), 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  const snapshot = await json<{ createdAt?: string }>('config', 'manifest.json');
  const train = await json<Record<string, unknown>>('config', 'train_params.json');
  const net = await json<Record<string, unknown>>('config', 'net_params.json');
  const metrics = await json<RunFolderSummary['metrics']>('metrics.json');
  const manifest = await json<{ timings?: Record<string, number> }>('manifest.json');
  const owner = await json<{ workflowId?: string }>(OWNER_FILE);
  return {
    id,
    folder,
    ...(owner?.workflowId ? { workflowId: owner.workflowId } : {}),
    ...(train ? { train } : {}),
    ...(net ? { net } : {}),
    ...(typeof train?.experiment === 'string' ? { experiment: train.experiment } : {}),
    ...(snapshot?.createdAt ? { createdAt: new Date(snapshot.createdAt) } : {}),
    ...(metrics ? { metrics } : {}),
    ...(manifest?.timings ? { timings: manifest.timings } : {}),
  };
}

/** Every run folder under `artifactRoot` (those holding a config snapshot), by run id. */
export async function readRunFolders(artifactRoot: string): Promise<RunFolderSummary[]> {
  const entries = await readdir(artifactRoot, { withFileTypes: true }).catch(() => []);
  const reserved = new Set<string>(RESERVED_RUN_IDS);
  const runs = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && !reserved.has(entry.name) && !entry.name.startsWith('.'))
      .map((entry) => readRunFolder(join(artifactRoot, entry.name), runIdOf(entry.name))),
  );
  return runs.filter((run) => run.train !== undefined);
}

/** The run id a folder name stands for (folder names percent-encode what a folder name cannot hold). */
export function runIdOf(folderName: string): string {
  try {
    return decodeURIComponent(folderName);
  } catch {
    return folderName;
  }
}
