/** `epochal status|pause|resume|stop|extend|set-learning-rate <workflowId>`: look at and steer a running training job. */
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';
import type { Command } from 'commander';
import { extendEpochsUpdate, inferenceProgressQuery, pauseSignal, progressQuery, resumeSignal, setLearningRateUpdate, stopSignal, sweepProgressQuery, type Progress } from '../../../workflows/definitions.js';
import { STAGE } from '../../../workflows/search-attributes.js';
import { connectClient } from '../../temporal/connection.js';
import { readFailure } from '../../temporal/failures.js';
import { activityPollers } from '../../temporal/task-queues.js';
import { EXIT, reasonFields } from '../failures.js';
import { phaseLabel, remainingTime, trainingAhead } from '../progress.js';
import { sweepFields } from '../sweep-output.js';
import { clusterOptions, formatCount, print, withClusterOptions } from '../shared.js';

type Flags = { address?: string; namespace?: string };
type Field = [string, string];

async function withHandle<T>(flags: Flags, workflowId: string, use: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const client = await connectClient(clusterOptions(flags));
  try {
    return await use(client.workflow.getHandle(workflowId));
  } finally {
    await client.connection.close();
  }
}

/** How long `status` waits for a query: a closed workflow is queried by replaying it on a worker, and there may be none. */
const QUERY_WAIT_MS = 5000;

/** The query's answer, or undefined when no worker gave one in time. */
function queryWithin<R>(handle: WorkflowHandle, query: QueryDefinition<R, []>): Promise<R | undefined> {
  return handle.client.withDeadline(Date.now() + QUERY_WAIT_MS, () => handle.query(query)).catch(() => undefined);
}

/** `running`, `completed`, `failed`, `timed out`, ... */
const statusName = (description: WorkflowExecutionDescription) => description.status.name.toLowerCase().replace(/_/g, ' ');

/** Why a workflow that ended without a result ended: the fields for `status`, empty for a running or completed one. */
async function endedBecause(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<Field[]> {
  if (['RUNNING', 'COMPLETED'].includes(description.status.name)) return [];
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return [];
  return reasonFields(readFailure(error));
}

/** The fields of a training run's progress; ETA and a pending stop only while training is ahead of a running run. */
export function trainingFields(progress: Progress, running: boolean): Field[] {
  if (progress.epochs === 0) return []; // validating, preparing or building: no training state yet
  const fields: Field[] = [['epochs', `${progress.epoch} of ${progress.epochs} (${progress.step} steps)`]];
  if (progress.latest) {
    const { loss, val_loss, val_accuracy, val_cohenKappa } = progress.latest;
    const metrics = [`loss ${loss.toFixed(4)}`, val_loss !== undefined && `val loss ${val_loss.toFixed(4)}`, val_accuracy !== undefined && `val accuracy ${val_accuracy.toFixed(3)}`, val_cohenKappa !== undefined && `val kappa ${val_cohenKappa.toFixed(3)}`];
    fields.push(['latest', metrics.filter(Boolean).join(', ')]);
  }
  if (progress.best) fields.push(['best', `${progress.best.monitor} ${progress.best.value.toFixed(4)}${progress.best.epoch !== undefined ? ` at epoch ${progress.best.epoch}` : ''}`]);
  const ahead = running && trainingAhead(progress);
  const eta = remainingTime(progress);
  if (ahead && eta !== '—') fields.push(['ETA', `${eta}${progress.phase === 'paused' ? ' of training once resumed' : ''}`]);
  fields.push(['learning rate', String(progress.learningRate)]);
  if (progress.checkpoint) fields.push(['checkpoint', progress.checkpoint]);
  if (ahead && progress.paused && progress.phase === 'training') fields.push(['pausing', 'at the end of the current chunk']);
  if (ahead && progress.stopRequested) fields.push(['stopping', 'at the end of the current chunk']);
  return fields;
}

/** The headline of `status`: `running, pausing`, `completed, done`, `failed while training`. */
export function statusHeadline(workflowId: string, status: string, phase: string | undefined): string {
  if (status === 'running' || status === 'completed') return `${workflowId}: ${status}${phase ? `, ${phase}` : ''}`;
  return `${workflowId}: ${status}${phase ? ` while ${phase}` : ''}`;
}

/** Prints where a workflow stands; exits 1 when it ended without a result (failed, terminated, cancelled, timed out). */
async function printStatus(handle: WorkflowHandle, workflowId: string): Promise<void> {
  const description = await handle.describe();
  const status = statusName(description);
  const running = status === 'running';
  const fine = running || status === 'completed';
  const reason = await endedBecause(handle, description);
  const noAnswer: Field = ['progress', `no worker answered the progress query within ${QUERY_WAIT_MS / 1000} s (is one polling task queue "${description.taskQueue}"?)`];
  const show = (phase: string | undefined, fields: Field[]) => {
    print.state(fine, statusHeadline(workflowId, status, phase));
    print.fields([...reason, ...fields]);
    if (!fine) process.exitCode = EXIT.failed;
  };

  if (description.type === 'batchInference') {
    const progress = await queryWithin(handle, inferenceProgressQuery);
    if (!progress) return show(undefined, [noAnswer]);
    return show(progress.phase, [
      ['shards', `${progress.shardsDone} of ${progress.shards} (${formatCount(progress.records)} records)`],
      ['rows', formatCount(progress.rows)],
    ]);
  }
  if (description.type === 'sweepPipeline') {
    const progress = await queryWithin(handle, sweepProgressQuery);
    if (!progress) return show(undefined, [noAnswer]);
    return show(progress.phase, sweepFields(workflowId, progress));
  }
  if (description.type === 'retrainingPipeline') {
    return show(description.typedSearchAttributes.get(STAGE) ?? 'starting', [['training', `${workflowId}-train (\`epochal status ${workflowId}-train\` for its progress)`]]);
  }
  if (description.type !== 'trainingPipeline') return show(undefined, []);
  const progress = await queryWithin(handle, progressQuery);
  if (!progress) return show(undefined, [noAnswer]);
  show(running ? phaseLabel(progress) : progress.phase, trainingFields(progress, running));
  if (progress.phase === 'training' && progress.trainingTaskQueue && running) {
    const pollers = await activityPollers(handle.client, progress.trainingTaskQueue).catch(() => undefined);
    if (pollers === 0) print.warn(`waiting for a worker on task queue "${progress.trainingTaskQueue}": none polls it (start one: npx epochal worker --training-task-queue ${progress.trainingTaskQueue})`);
  }
}

export function registerControl(program: Command): void {
  withClusterOptions(program.command('status').description('Where a run stands: a training run (phase, epochs, metrics, ETA), an inference job (shards, rows), a retraining (stage, its training run) or a sweep (its trials, the best); why it failed, if it did'))
    .argument('<workflowId>')
    .action((workflowId: string, flags: Flags) => withHandle(flags, workflowId, (handle) => printStatus(handle, workflowId)));

  const signal = (name: string, description: string, definition: SignalDefinition<[]>, done: string) =>
    withClusterOptions(program.command(name).description(description))
      .argument('<workflowId>')
      .action((workflowId: string, flags: Flags) =>
        withHandle(flags, workflowId, async (handle) => {
          await handle.signal(definition);
          print.ok(`${workflowId}: ${done}`);
        }),
      );
  signal('pause', 'Pause a training run at the next chunk boundary', pauseSignal, 'pause requested; training holds at the next chunk boundary.');
  signal('resume', 'Resume a paused training run', resumeSignal, 'resume requested.');
  signal('stop', 'Stop training at the next chunk boundary, then evaluate and export the model (a sweep: start no more trials, stop the running ones)', stopSignal, 'stop requested; the run evaluates and exports after the current chunk.');

  withClusterOptions(program.command('extend').description('Add epochs to a running training job'))
    .argument('<workflowId>')
    .argument('<epochs>', 'epochs to add', Number)
    .action((workflowId: string, epochs: number, flags: Flags) =>
      withHandle(flags, workflowId, async (handle) => {
        const budget = await handle.executeUpdate(extendEpochsUpdate, { args: [epochs] });
        print.ok(`${workflowId}: the epoch budget is now ${budget}.`);
      }),
    );

  withClusterOptions(program.command('set-learning-rate').description('Change the base learning rate from the next chunk on'))
    .argument('<workflowId>')
    .argument('<rate>', 'new learning rate', Number)
    .action((workflowId: string, rate: number, flags: Flags) =>
      withHandle(flags, workflowId, async (handle) => {
        const applied = await handle.executeUpdate(setLearningRateUpdate, { args: [rate] });
        print.ok(`${workflowId}: the learning rate is ${applied} from the next chunk on.`);
      }),
    );
}
