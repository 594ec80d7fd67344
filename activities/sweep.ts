/**
 * The stages of a sweep around its trials: `planSweep` validates the sweep
 * and every trial config and writes them into the sweep folder;
 * `observeTrials` reads the running trials from the server (their progress,
 * or how they ended); `finishSweep` writes the results table and report.
 */
import { Context } from '@temporalio/activity';
import { loadSweepConfig } from '../src/config/sweep/load.js';
import type { ConfigInput } from '../src/config/load.js';
import { writeSweepResults, type SweepFacts } from '../src/report/sweep-report.js';
import { checkSweepOwner, writeSweepFolder, type SweepPlan } from '../src/sweep/folder.js';
import { observeTrial, type TrialObservation, type TrialToObserve } from '../src/sweep/observe.js';
import type { FolderOwner } from '../src/artifacts/folder-claim.js';
import { ConfigError } from '../src/errors.js';
import { isStoreUrl } from '../src/store/store.js';
import type { ActivityDeps } from './deps.js';

export type { PlannedTrial, SweepPlan } from '../src/sweep/folder.js';
export type { TrialObservation } from '../src/sweep/observe.js';

export interface PlanSweepInput {
  /** Path to sweep_params.json (resolved against the worker's working folder) or the config object. */
  sweepParams: ConfigInput;
  sweepId: string;
  /** The sweep workflow: its folder is claimed for it. */
  owner: FolderOwner;
}

export function planSweepActivity(deps: ActivityDeps) {
  return async function planSweep(input: PlanSweepInput): Promise<SweepPlan> {
    const config = await loadSweepConfig(input.sweepParams, { cwd: deps.cwd, roots: deps.roots });
    const artifactRoot = config.base.train.artifactRoot ?? deps.artifactRoot;
    if (isStoreUrl(artifactRoot)) {
      throw new ConfigError([
        {
          path: ['artifactRoot'],
          message: `Sweeps keep their folder (trial configs, results, report) on a filesystem; ${artifactRoot} is in object storage.`,
          hint: 'give the sweep a local or shared-folder artifact root (the base train_params artifactRoot, or the worker\'s --artifact-root); single training runs and inference work on s3:// roots.',
        },
      ]);
    }
    const plan = await writeSweepFolder(config, { sweepId: input.sweepId, artifactRoot, owner: input.owner });
    return { ...plan, searchable: !deps.encrypted };
  };
}

export function observeTrialsActivity() {
  return async function observeTrials(input: { trials: TrialToObserve[]; metric: string }): Promise<TrialObservation[]> {
    const { client } = Context.current();
    return Promise.all(input.trials.map((trial) => observeTrial(client, trial, input.metric)));
  };
}

export function finishSweepActivity() {
  return async function finishSweep(input: { folder: string; owner: FolderOwner; facts: SweepFacts }): Promise<{ results: string; report?: string }> {
    await checkSweepOwner(input.folder, input.owner);
    return writeSweepResults(input.folder, input.facts);
  };
}
