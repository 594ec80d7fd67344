/**
 * The run's own copy of its configs: resolved (defaults applied, paths made
 * absolute) and hashed, so a run never depends on files edited after it
 * started, and `epochal validate <run>/config/train_params.json` still works.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically, writeFolderAtomically, writeJsonAtomically } from '../artifacts/atomic.js';
import type { ConfigSource, TrainConfig } from '../config/load.js';
import { sha256 } from '../config/read-json.js';

export const SNAPSHOT_FILES = { train: 'train_params.json', net: 'net_params.json', manifest: 'manifest.json' } as const;

/** One snapshotted file and its content hash. */
export interface SnapshotFile {
  path: string;
  sha256: string;
}

/** The manifest of a config snapshot; also what the validateConfig stage returns. */
export interface ConfigSnapshot {
  dir: string;
  train: SnapshotFile;
  net: SnapshotFile;
  /** The configs as given: file paths (absent when inline) and hashes of their original bytes. */
  sources: { train: ConfigSource; net: ConfigSource };
  /** The Temporal execution that wrote it; a retry of the same execution reuses it. */
  writtenBy: { workflowId: string; runId: string };
  createdAt: string;
}

/** Writes the resolved configs and their manifest into `dir` (atomically, replacing any older snapshot). */
export async function writeConfigSnapshot(
  config: TrainConfig,
  dir: string,
  writtenBy: ConfigSnapshot['writtenBy'],
): Promise<ConfigSnapshot> {
  const trainText = json({ ...config.train, netParams: SNAPSHOT_FILES.net, $schema: undefined });
  const netText = json({ ...config.net, $schema: undefined });
  const snapshot: ConfigSnapshot = {
    dir,
    train: { path: join(dir, SNAPSHOT_FILES.train), sha256: sha256(trainText) },
    net: { path: join(dir, SNAPSHOT_FILES.net), sha256: sha256(netText) },
    sources: config.sources,
    writtenBy,
    createdAt: new Date().toISOString(),
  };
  await writeFolderAtomically(dir, async (staging) => {
    await writeFileAtomically(join(staging, SNAPSHOT_FILES.train), trainText);
    await writeFileAtomically(join(staging, SNAPSHOT_FILES.net), netText);
    await writeJsonAtomically(join(staging, SNAPSHOT_FILES.manifest), snapshot);
  });
  return snapshot;
}

/** The snapshot in `dir`, if one is there and its files still match their hashes. */
export async function readConfigSnapshot(dir: string): Promise<ConfigSnapshot | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, SNAPSHOT_FILES.manifest), 'utf8')) as ConfigSnapshot;
    for (const [name, file] of [
      [SNAPSHOT_FILES.train, manifest.train],
      [SNAPSHOT_FILES.net, manifest.net],
    ] as const) {
      if (sha256(await readFile(join(dir, name))) !== file.sha256) return undefined;
    }
    return manifest;
  } catch {
    return undefined;
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
