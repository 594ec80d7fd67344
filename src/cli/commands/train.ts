/** `epochal train <train_params.json>`: validate locally, then start `trainingPipeline`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadTrainConfig } from '../../config/load.js';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectClient, workflowUiUrl } from '../../temporal/connection.js';
import { startTrainingPipeline, type StartedRun } from '../../temporal/start.js';
import { idleQueueWarning } from '../../temporal/task-queues.js';
import { followProgress } from '../progress.js';
import { clusterOptions, loadOrReport, print, withClusterOptions } from '../shared.js';

interface TrainFlags {
  address?: string;
  namespace?: string;
  id?: string;
  wait?: boolean;
  taskQueue: string;
  trainingTaskQueue?: string;
}

export function registerTrain(program: Command): void {
  withClusterOptions(program.command('train').description('Start a training run (trainingPipeline) from train_params.json'))
    .argument('<train_params>', 'train_params.json')
    .option('--id <workflowId>', 'workflow id (default: <experiment>-<timestamp>)')
    .option('--wait', 'wait for the run to finish and print its result')
    .option('--task-queue <name>', 'orchestration task queue', ORCHESTRATION_TASK_QUEUE)
    .option('--training-task-queue <name>', "train on this task queue instead of train_params' training.taskQueue")
    .action(async (file: string, flags: TrainFlags) => {
      const config = await loadOrReport(file, loadTrainConfig);
      if (!config) return;
      const cluster = clusterOptions(flags);
      const client = await connectClient(cluster);
      try {
        const run = await startTrainingPipeline(client, {
          trainParams: resolve(file),
          config,
          taskQueue: flags.taskQueue,
          ...(flags.trainingTaskQueue ? { trainingTaskQueue: flags.trainingTaskQueue } : {}),
          ...(flags.id ? { workflowId: flags.id } : {}),
        });
        printStarted(run, clusterConfig(cluster));
        const trainingQueue = flags.trainingTaskQueue ?? config.train.training.taskQueue;
        const warning = await idleQueueWarning(client.workflow, trainingQueue, config.train.training.workerWaitSeconds).catch(() => undefined);
        if (warning) print.warn(warning);
        if (flags.wait) printResult(await followProgress(run.handle));
      } finally {
        await client.connection.close();
      }
    });
}

export function printStarted(run: StartedRun, cluster: { address: string; namespace: string; uiUrl?: string }): void {
  print.ok(`Started trainingPipeline ${run.workflowId}`);
  print.field('Web UI', workflowUiUrl(run.workflowId, cluster));
}

export function printResult(result: Awaited<ReturnType<StartedRun['handle']['result']>>): void {
  const { data, built, training, evaluation, exported } = result;
  print.ok(`Run ${result.runId} finished: ${result.model} in experiment ${result.experiment}`);
  print.field('stages', result.completed.join(' → '));
  print.field('run folder', result.runDir);
  const { train, validation, test } = data.records;
  print.field('data', `${train} train, ${validation} validation, ${test} test records (${data.reused ? 'reused' : 'prepared'} ${data.dir})`);
  for (const warning of data.warnings) print.field('warning', warning);
  const { total, trainable, frozen } = built.parameters;
  print.field('model', `${total.toLocaleString('en')} parameters: ${trainable.toLocaleString('en')} trainable, ${frozen.toLocaleString('en')} frozen (${built.backend})`);
  if (built.pretrained) {
    const p = built.pretrained;
    print.field('pretrained', `${p.matched} matched, ${p.missing} missing, ${p.unexpected} unexpected, ${p.shapeMismatches} shape mismatches (${p.policy})`);
  }
  const best = training.best ? `; best ${training.best.monitor} ${training.best.value.toFixed(4)} at epoch ${training.best.epoch}` : '';
  print.field('training', `${training.epochs} epochs, ${training.step} steps, ended by ${training.ended}${best}`);
  if (training.trainedWith) {
    const { backend, memory } = training.trainedWith;
    const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
    const split = memory.microBatchSize < memory.batch.samples ? `micro-batches of ${memory.microBatchSize}` : 'whole batches';
    print.field('compute', `${backend.name} (${backend.package}); ${split}${memory.recompute ? ', recomputing conv activations' : ''}; planned ${gb(memory.estimatedBytes)} of ${gb(memory.limitBytes)}, peak ${gb(memory.peakRssBytes)} resident`);
  }
  const { exported: model } = training;
  if (model) print.field('exported', `the ${model.which} model (epoch ${model.epoch}, step ${model.step}): ${model.checkpoint}`);
  const t = evaluation.test;
  if (t) {
    print.field(model ? `test (${model.which})` : 'test', `loss ${t.loss.toFixed(4)}, accuracy ${t.accuracy.toFixed(3)}, Cohen's kappa ${t.cohenKappa.toFixed(3)}, macro F1 ${t.macroF1.toFixed(3)}`);
    print.field('per class', t.perClass.map((c) => `${c.name} F1 ${c.f1.toFixed(2)}`).join(', '));
  }
  print.field('model dir', exported.model.path.replace(/\/model\.json$/, ''));
  print.field('metrics', exported.metrics.path);
  if (evaluation.predictions) print.field('predictions', evaluation.predictions.path);
  if (exported.report) print.field('report', exported.report);
}
