/** `epochal sweep <sweep_params.json>`: validate the sweep and every trial config locally, then start `sweepPipeline`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadSweepConfig, type SweepConfig } from '../../config/sweep/load.js';
import { EXPERIMENT } from '../../../workflows/search-attributes.js';
import type { sweepPipeline } from '../../../workflows/sweep-pipeline.js';
import { clusterConfig, connectClient, ORCHESTRATION_TASK_QUEUE, workflowUiUrl } from '../../temporal/connection.js';
import { encryptsPayloads } from '../../temporal/start.js';
import { idleQueueWarning } from '../../temporal/task-queues.js';
import { followSweep, printSweepResult } from '../sweep-output.js';
import { clusterOptions, loadOrReport, print, withClusterOptions } from '../shared.js';

interface SweepFlags {
  address?: string;
  namespace?: string;
  id?: string;
  wait?: boolean;
  taskQueue: string;
  trainingTaskQueue?: string;
}

export function registerSweep(program: Command): void {
  withClusterOptions(program.command('sweep').description('Start a hyperparameter sweep (sweepPipeline): trials of a training job over a search space, each a trainingPipeline'))
    .argument('<sweep_params>', 'sweep_params.json')
    .option('--id <workflowId>', 'workflow id (default: <experiment>-sweep-<timestamp>); trials are <id>-trial-<n>')
    .option('--wait', 'follow the trials until the sweep ends, then print the results table')
    .option('--task-queue <name>', 'orchestration task queue', ORCHESTRATION_TASK_QUEUE)
    .option('--training-task-queue <name>', "train every trial on this task queue instead of its train_params' training.taskQueue")
    .action(async (file: string, flags: SweepFlags) => {
      const config = await loadOrReport(file, loadSweepConfig);
      if (!config) return;
      const cluster = clusterOptions(flags);
      const client = await connectClient(cluster);
      try {
        const encrypted = encryptsPayloads(client);
        const workflowId = flags.id ?? `${encrypted ? 'sweep' : `${config.experiment}-sweep`}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const handle = await client.workflow.start<typeof sweepPipeline>('sweepPipeline', {
          taskQueue: flags.taskQueue,
          workflowId,
          args: [{ sweepParams: resolve(file), ...(flags.trainingTaskQueue ? { trainingTaskQueue: flags.trainingTaskQueue } : {}) }],
          staticSummary: `Sweep ${config.experiment} · ${config.trials.length} trials, ${config.sweep.parallelism} at a time`,
          staticDetails: details(config),
          ...(encrypted ? {} : { typedSearchAttributes: [{ key: EXPERIMENT, value: config.experiment }] }),
        });
        print.ok(`Started sweepPipeline ${workflowId}: ${config.trials.length} trials (${config.sweep.search.type}), ${config.sweep.parallelism} at a time, ranked by ${config.metric}`);
        print.field('Web UI', workflowUiUrl(workflowId, clusterConfig(cluster)));
        print.field('trials', `temporal workflow list --query "EpochalSweep='${workflowId}'"`);
        const queue = flags.trainingTaskQueue ?? config.base.train.training.taskQueue;
        const warning = await idleQueueWarning(client.workflow, queue, config.base.train.training.workerWaitSeconds).catch(() => undefined);
        if (warning) print.warn(warning);
        if (flags.wait) printSweepResult(await followSweep(handle));
      } finally {
        await client.connection.close();
      }
    });
}

function details(config: SweepConfig): string {
  const { sweep, base } = config;
  return [
    `**Experiment** ${config.experiment}  `,
    `**Job** ${base.sources.train.file ?? 'inline'} (${base.net.name}, ${base.train.training.epochs} epochs)  `,
    `**Space** ${Object.keys(sweep.space).join(', ')}  `,
    `**Early termination** ${sweep.earlyTermination?.type ?? 'none'}  `,
    `**Config** ${config.source.file ?? 'inline'} (sha256 ${config.source.sha256.slice(0, 12)}…)`,
  ].join('\n');
}
