/**
 * Stage 1, `validateConfig`: load and validate train_params and its network
 * (and, when the data config says how long its sequences are, whether a
 * training step fits in memory), then snapshot the resolved configs with their
 * hashes into the run folder. Invalid configs fail non-retryably with every
 * problem and its JSON path.
 */
import { resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { runFolder } from '../src/artifacts/run-folder.js';
import { claimRunFolder, claimStoredRunFolder, type RunOwner } from '../src/artifacts/run-owner.js';
import { checkPaths, loadSnapshotConfig, loadTrainConfig, type ConfigInput } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';
import { readConfigSnapshot, writeConfigSnapshot, type ConfigSnapshot } from '../src/pipeline/config-snapshot.js';
import { trainingPlan, type TrainingPlan } from '../src/pipeline/plan.js';
import { preflightDeclaredMemory } from '../src/pipeline/memory-preflight.js';
import type { ActivityDeps } from './deps.js';
import { claimStored, mirrorFor } from './mirrored.js';

export interface ValidateConfigInput {
  /** Path to train_params.json (resolved against the worker's working folder) or the config object. */
  trainParams: ConfigInput;
  /** Run folder name under the artifact root. */
  runId: string;
  /** Pretrained weights to start from instead of train_params' `fineTune.pretrained` (strict). */
  warmStart?: string;
  /** The workflow the run folder belongs to; the folder is claimed for it (or refused when it is another's). */
  owner?: RunOwner;
}

/** What later stages need to find this run's configs, and what the UI shows about it. */
export interface ValidatedConfig {
  runId: string;
  /** The artifact root the run folder is in. */
  artifactRoot: string;
  runDir: string;
  experiment: string;
  model: string;
  snapshot: ConfigSnapshot;
  /** What the workflow needs to drive training. */
  plan: TrainingPlan;
  /** True when an earlier attempt of this same execution had already written the snapshot. */
  reused: boolean;
  /** The workflow that owns the run folder; every later stage checks it before writing. */
  owner?: RunOwner;
  /** Whether config values and metrics may go into search attributes (false when payloads are encrypted). */
  searchable?: boolean;
}

/** What the later stages of a run need of its validated config. */
export type RunRef = Pick<ValidatedConfig, 'runId' | 'artifactRoot' | 'snapshot' | 'owner'>;

/** The warm-start weights of a workflow input, checked like a config's paths: inside the read roots, and there. */
async function checkWarmStart(path: string, deps: ActivityDeps): Promise<void> {
  const named = { key: ['warmStart'], value: resolve(deps.cwd, path), expected: 'a checkpoint or tfjs model folder', access: 'read' as const };
  const issues = await checkPaths([named], deps.cwd, undefined, deps.roots);
  if (issues.length > 0) throw new ConfigError(issues.map((issue) => ({ ...issue, file: '(workflow input)' })));
}

export function validateConfigActivity(deps: ActivityDeps) {
  return async function validateConfig(input: ValidateConfigInput): Promise<ValidatedConfig> {
    const config = await loadTrainConfig(input.trainParams, { cwd: deps.cwd, roots: deps.roots });
    if (input.warmStart) {
      await checkWarmStart(input.warmStart, deps);
      const { unfreezeSchedule = [], learningRates = [], ...rest } = config.train.fineTune ?? {};
      config.train.fineTune = { ...rest, unfreezeSchedule, learningRates, pretrained: { path: input.warmStart, policy: 'strict' } };
    }
    await preflightDeclaredMemory(config);
    const artifactRoot = config.train.artifactRoot ?? deps.artifactRoot;
    const mirror = mirrorFor(deps.mirror, artifactRoot);
    const folder = runFolder(mirror ? mirror.local(artifactRoot) : artifactRoot, input.runId);
    const execution = Context.current().info.workflowExecution ?? { workflowId: input.runId, runId: 'standalone' };
    const owner = input.owner;
    if (owner && mirror) await claimStored(mirror, mirror.url(folder.root)!, (store, key) => claimStoredRunFolder(store, key, owner));
    else if (owner) await claimRunFolder(folder.root, owner);
    const previous = await readConfigSnapshot(folder.config);
    const reused = previous?.writtenBy.runId === execution.runId;
    const snapshot = reused && previous ? previous : await writeConfigSnapshot(config, folder.config, execution);
    return {
      runId: input.runId,
      artifactRoot: mirror ? mirror.local(artifactRoot) : artifactRoot, // a reference again once out of the activity (`mirrored`)
      runDir: folder.root,
      experiment: config.train.experiment,
      model: config.net.name,
      snapshot,
      plan: trainingPlan((await loadSnapshotConfig(snapshot.train.path)).train), // from the snapshot: what the run will use
      reused,
      ...(input.owner ? { owner: input.owner } : {}),
      searchable: !deps.encrypted,
    };
  };
}
