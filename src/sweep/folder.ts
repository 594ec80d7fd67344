/**
 * A sweep's folder, `<artifactRoot>/sweeps/<sweepId>/`: claimed for the sweep's
 * workflow like a run folder, holding the sweep params as resolved, each
 * trial's configs (`trials/<n>/train_params.json`, `net_params.json`) and,
 * at the end, its results and report. Trial configs are written before any
 * trial starts, the same bytes on every retry, so a trial always runs the
 * config its sweep planned.
 */
import { join } from 'node:path';
import { writeJsonAtomically } from '../artifacts/atomic.js';
import { checkFolderOwner, claimFolder, type ClaimRules, type FolderOwner } from '../artifacts/folder-claim.js';
import type { EarlyTermination } from '../config/sweep/sweep-params.js';
import type { SweepConfig } from '../config/sweep/load.js';
import { RunFolderError } from '../errors.js';
import { fileSafeRunId } from '../../workflows/inputs.js';
import { describeValue } from '../config/issues.js';
import { shortNames } from './json-path.js';
import type { Assignment } from './space.js';

/** The folder under the artifact root that holds every sweep's folder (never a run id). */
export const SWEEPS_FOLDER = 'sweeps';

const SWEEP_FOLDERS: ClaimRules = {
  marker: 'owner.json',
  kind: 'Sweep folder',
  owns: (claim, owner) => claim.workflowId === owner.workflowId && claim.firstRunId === owner.firstRunId,
  fix: 'start the sweep under another id (epochal sweep --id); a sweep folder is never overwritten.',
  error: (message, folder, claim) => new RunFolderError(message, folder, claim),
};

/** One trial as its sweep starts it. */
export interface PlannedTrial {
  /** 1-based. */
  trial: number;
  /** `<sweepId>-trial-<n>`, n zero-padded to the width of the trial count: the same on every replay, so no trial starts twice. */
  workflowId: string;
  /** Its run folder's name (the workflow id, file-safe). */
  runId: string;
  /** Its train_params.json in the sweep folder (absolute). */
  trainParams: string;
  params: Assignment;
  /** `learningRate=0.01, units=16`. */
  label: string;
  /** Its epoch budget. */
  epochs: number;
}

/** What the sweep workflow needs of its plan: no config, only references and the rules it applies. */
export interface SweepPlan {
  sweepId: string;
  folder: string;
  artifactRoot: string;
  experiment: string;
  metric: string;
  mode: 'min' | 'max';
  parallelism: number;
  pollSeconds: number;
  earlyTermination?: EarlyTermination;
  /** Swept path → its short name in tables. */
  names: Record<string, string>;
  trials: PlannedTrial[];
  owner: FolderOwner;
  /** Whether the experiment and metric may go into search attributes (false when payloads are encrypted). */
  searchable?: boolean;
}

/** The folder of sweep `sweepId`. */
export function sweepFolder(artifactRoot: string, sweepId: string): string {
  return join(artifactRoot, SWEEPS_FOLDER, fileSafeRunId(sweepId));
}

/** A trial's number as ids and folders spell it: zero-padded to the width of the trial count, so they sort. */
export function trialNumber(trial: number, trials: number): string {
  return String(trial).padStart(String(trials).length, '0');
}

/** The workflow id of a sweep's trial. */
export function trialWorkflowId(sweepId: string, trial: number, trials: number): string {
  return `${sweepId}-trial-${trialNumber(trial, trials)}`;
}

/** Claims the sweep's folder and writes its resolved params and every trial's configs; returns the plan. */
export async function writeSweepFolder(config: SweepConfig, options: { sweepId: string; artifactRoot: string; owner: FolderOwner }): Promise<SweepPlan> {
  const { sweepId, artifactRoot, owner } = options;
  const folder = sweepFolder(artifactRoot, sweepId);
  await claimFolder(folder, owner, SWEEP_FOLDERS);
  const names = shortNames(Object.keys(config.sweep.space));
  const trials: PlannedTrial[] = [];
  for (const { trial, params, train, net } of config.trials) {
    const workflowId = trialWorkflowId(sweepId, trial, config.trials.length);
    const dir = join(folder, 'trials', trialNumber(trial, config.trials.length));
    await writeJsonAtomically(join(dir, 'net_params.json'), { ...net, $schema: undefined });
    await writeJsonAtomically(join(dir, 'train_params.json'), { ...train, netParams: 'net_params.json', $schema: undefined });
    const label = Object.entries(params).map(([key, value]) => `${names[key]}=${describeValue(value)}`).join(', ');
    trials.push({ trial, workflowId, runId: fileSafeRunId(workflowId), trainParams: join(dir, 'train_params.json'), params, label, epochs: train.training.epochs });
  }
  const { sweep, metric, mode, experiment } = config;
  await writeJsonAtomically(join(folder, 'sweep_params.json'), { ...sweep, $schema: undefined });
  const plan: SweepPlan = {
    sweepId,
    folder,
    artifactRoot,
    experiment,
    metric,
    mode,
    parallelism: sweep.parallelism,
    pollSeconds: sweep.pollSeconds,
    ...(sweep.earlyTermination ? { earlyTermination: sweep.earlyTermination } : {}),
    names,
    trials,
    owner,
  };
  await writeJsonAtomically(join(folder, 'plan.json'), plan);
  return plan;
}

/** Checks that the sweep folder is still its workflow's before writing results into it. */
export function checkSweepOwner(folder: string, owner: FolderOwner): Promise<void> {
  return checkFolderOwner(folder, owner, SWEEP_FOLDERS);
}
