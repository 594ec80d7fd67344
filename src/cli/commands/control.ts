/** `epochal status|pause|resume|stop|extend|set-learning-rate <workflowId>`: look at and steer a running training job. */
import type { SignalDefinition } from '@temporalio/common';
import type { Command } from 'commander';
import { extendEpochsUpdate, inferenceProgressQuery, pauseSignal, progressQuery, resumeSignal, setLearningRateUpdate, stopSignal } from '../../../workflows/definitions.js';
import { STAGE } from '../../../workflows/search-attributes.js';
import { connectClient } from '../../temporal/connection.js';
import { activityPollers } from '../../temporal/task-queues.js';
import { clusterOptions, print, withClusterOptions } from '../shared.js';

type Flags = { address?: string; namespace?: string };

async function withHandle<T>(flags: Flags, workflowId: string, use: (handle: ReturnType<Awaited<ReturnType<typeof connectClient>>['workflow']['getHandle']>) => Promise<T>): Promise<T> {
  const client = await connectClient(clusterOptions(flags));
  try {
    return await use(client.workflow.getHandle(workflowId));
  } finally {
    await client.connection.close();
  }
}

export function registerControl(program: Command): void {
  withClusterOptions(program.command('status').description('Where a run stands: a training run (phase, epochs, metrics, ETA), an inference job (shards, rows) or a retraining (stage, its training run)'))
    .argument('<workflowId>')
    .action((workflowId: string, flags: Flags) =>
      withHandle(flags, workflowId, async (handle) => {
        const { status, type, typedSearchAttributes } = await handle.describe();
        if (type === 'batchInference') {
          const progress = await handle.query(inferenceProgressQuery);
          print.ok(`${workflowId}: ${status.name.toLowerCase()}, ${progress.phase}`);
          print.field('shards', `${progress.shardsDone} of ${progress.shards} (${progress.records.toLocaleString('en')} records)`);
          print.field('rows', progress.rows.toLocaleString('en'));
          return;
        }
        if (type === 'retrainingPipeline') {
          print.ok(`${workflowId}: ${status.name.toLowerCase()}, ${typedSearchAttributes.get(STAGE) ?? 'starting'}`);
          print.field('training', `${workflowId}-train (\`epochal status ${workflowId}-train\` for its progress)`);
          return;
        }
        const progress = await handle.query(progressQuery);
        print.ok(`${workflowId}: ${status.name.toLowerCase()}, ${progress.paused ? 'paused' : progress.phase}`);
        print.field('epochs', `${progress.epoch} of ${progress.epochs} (${progress.step} steps)`);
        if (progress.latest) {
          const { loss, val_loss, val_accuracy, val_cohenKappa } = progress.latest;
          const metrics = [`loss ${loss.toFixed(4)}`, val_loss !== undefined && `val loss ${val_loss.toFixed(4)}`, val_accuracy !== undefined && `val accuracy ${val_accuracy.toFixed(3)}`, val_cohenKappa !== undefined && `val kappa ${val_cohenKappa.toFixed(3)}`];
          print.field('latest', metrics.filter(Boolean).join(', '));
        }
        if (progress.best) print.field('best', `${progress.best.monitor} ${progress.best.value.toFixed(4)} at epoch ${progress.best.epoch}`);
        if (progress.etaSeconds !== undefined) print.field('ETA', `${Math.round(progress.etaSeconds)} s`);
        print.field('learning rate', String(progress.learningRate));
        if (progress.checkpoint) print.field('checkpoint', progress.checkpoint);
        if (progress.stopRequested) print.field('stopping', 'at the end of the current chunk');
        if (progress.phase === 'training' && progress.trainingTaskQueue && status.name === 'RUNNING') {
          const pollers = await activityPollers(handle.client, progress.trainingTaskQueue).catch(() => undefined);
          if (pollers === 0) print.warn(`waiting for a worker on task queue "${progress.trainingTaskQueue}": none polls it (start one: npx epochal worker --training-task-queue ${progress.trainingTaskQueue})`);
        }
      }),
    );

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
  signal('stop', 'Stop training at the next chunk boundary, then evaluate and export the model', stopSignal, 'stop requested; the run evaluates and exports after the current chunk.');

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
