/**
 * `epochal runs list`: training runs from the server's visibility store
 * (status, stage, best metric from Epochal's search attributes) joined with
 * the run folders under the artifact root (experiment, metrics, start), so a
 * run shows even when its workflow history is gone.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { BEST_METRIC, EXPERIMENT, STAGE } from '../../workflows/search-attributes.js';
import { readRunFolders, type RunFolderSummary } from './folders.js';

/** One run, as the listing shows it. */
export interface RunRow {
  id: string;
  /** running, completed, failed, canceled, terminated, timed-out; `exported` for a folder the server no longer knows. */
  status: string;
  stage?: string;
  experiment?: string;
  best?: { value: number; monitor?: string };
  start?: Date;
  /** Seconds from start to close (or to now, while it runs). */
  seconds?: number;
  folder?: string;
}

/** The statuses `--status` takes, as the visibility store spells them. */
export const RUN_STATUSES = { running: 'Running', completed: 'Completed', failed: 'Failed', canceled: 'Canceled', terminated: 'Terminated', 'timed-out': 'TimedOut' } as const;
export type RunStatus = keyof typeof RUN_STATUSES;

export interface ListOptions {
  artifactRoot: string;
  experiment?: string;
  status?: RunStatus;
  /** Where the server is; without one, only run folders are listed. */
  client?: Client;
  /** At most this many runs from the server (default 200). */
  limit?: number;
}

/** The visibility query for training runs, optionally of one experiment and one status. */
export function runsQuery(options: Pick<ListOptions, 'experiment' | 'status'>): string {
  const clauses = [`WorkflowType = 'trainingPipeline'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (options.experiment) clauses.push(`${EXPERIMENT.name} = '${options.experiment.replace(/'/g, "\\'")}'`);
  if (options.status) clauses.push(`ExecutionStatus = '${RUN_STATUSES[options.status]}'`);
  return clauses.join(' AND ');
}

/** The runs, newest first. */
export async function listRuns(options: ListOptions): Promise<RunRow[]> {
  // Keyed by the owning workflow: a scheduled retraining's run folder is named without its workflow id's colons.
  const folders = new Map((await readRunFolders(options.artifactRoot)).map((run) => [run.workflowId ?? run.id, run]));
  const rows = new Map<string, RunRow>();
  if (options.client) {
    let left = options.limit ?? 200;
    for await (const execution of options.client.workflow.list({ query: runsQuery(options) })) {
      if (rows.has(execution.workflowId)) continue; // a later run of the same id (the list is newest first)
      rows.set(execution.workflowId, fromServer(execution, folders.get(execution.workflowId)));
      if (--left === 0) break;
    }
  }
  for (const [id, folder] of folders) {
    if (rows.has(id)) continue;
    const row = fromFolder(folder);
    if (options.experiment && row.experiment !== options.experiment) continue;
    if (options.status && !(options.status === 'completed' && row.status === 'exported')) continue;
    rows.set(id, row);
  }
  return [...rows.values()].sort((a, b) => (b.start?.getTime() ?? 0) - (a.start?.getTime() ?? 0));
}

function fromServer(execution: WorkflowExecutionInfo, folder: RunFolderSummary | undefined): RunRow {
  const attributes = execution.typedSearchAttributes;
  const best = attributes.get(BEST_METRIC);
  const stage = attributes.get(STAGE);
  const experiment = attributes.get(EXPERIMENT) ?? folder?.experiment;
  const start = folder?.createdAt ?? execution.startTime; // the first run's start, across continue-as-new
  const end = execution.closeTime ?? new Date();
  const monitor = folder?.metrics?.best?.monitor ?? monitorOf(folder);
  return {
    id: execution.workflowId,
    status: execution.status.name === 'TIMED_OUT' ? 'timed-out' : execution.status.name.toLowerCase(),
    ...(stage ? { stage } : {}),
    ...(experiment ? { experiment } : {}),
    ...(best !== undefined ? { best: { value: best, ...(monitor ? { monitor } : {}) } } : {}),
    start,
    seconds: Math.max(0, (end.getTime() - start.getTime()) / 1000),
    ...(folder ? { folder: folder.folder } : {}),
  };
}

function fromFolder(folder: RunFolderSummary): RunRow {
  const best = folder.metrics?.best;
  const seconds = folder.timings ? Object.values(folder.timings).reduce((a, b) => a + b, 0) : undefined;
  return {
    id: folder.id,
    status: folder.metrics ? 'exported' : 'unknown',
    ...(folder.metrics ? { stage: 'done' } : {}),
    ...(folder.experiment ? { experiment: folder.experiment } : {}),
    ...(best ? { best: { value: best.value, monitor: best.monitor } } : {}),
    ...(folder.createdAt ? { start: folder.createdAt } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    folder: folder.folder,
  };
}

/** The metric a run monitors, from its resolved config. */
function monitorOf(folder: RunFolderSummary | undefined): string | undefined {
  const training = folder?.train?.training as { earlyStopping?: { monitor?: string } } | undefined;
  return training?.earlyStopping?.monitor;
}
