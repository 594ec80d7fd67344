/** `epochal train <train_params.json>`: validate locally, then start `trainingPipeline`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { TrainConfig } from '../../config/load.js';
import { loadTrainConfig } from '../../config/load.js';
import { formatIssues } from '../../config/issues.js';
import { ConfigError } from '../../errors.js';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectClient, workflowUiUrl } from '../../temporal/connection.js';
import { startTrainingPipeline, type StartedRun } from '../../temporal/start.js';
import { clusterOptions, print, withClusterOptions } from '../shared.js';

interface TrainFlags {
  address?: string;
  namespace?: string;
  id?: string;
  wait?: boolean;
  taskQueue: string;
}

export function registerTrain(program: Command): void {
  withClusterOptions(program.command('train').description('Start a training run (trainingPipeline) from train_params.json'))
    .argument('<train_params>', 'train_params.json')
    .option('--id <workflowId>', 'workflow id (default: <experiment>-<timestamp>)')
    .option('--wait', 'wait for the run to finish and print its result')
    .option('--task-queue <name>', 'orchestration task queue', ORCHESTRATION_TASK_QUEUE)
    .action(async (file: string, flags: TrainFlags) => {
      const config = await loadOrReport(file);
      if (!config) return;
      const cluster = clusterOptions(flags);
      const client = await connectClient(cluster);
      try {
        const run = await startTrainingPipeline(client, {
          trainParams: resolve(file),
          config,
          taskQueue: flags.taskQueue,
          ...(flags.id ? { workflowId: flags.id } : {}),
        });
        printStarted(run, clusterConfig(cluster));
        if (flags.wait) printResult(await run.handle.result());
      } finally {
        await client.connection.close();
      }
    });
}

/** Validates before starting anything: a broken config never becomes a failed run. */
async function loadOrReport(file: string): Promise<TrainConfig | undefined> {
  try {
    return await loadTrainConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print.fail(`${file} is invalid; nothing was started:`);
    console.error(formatIssues(error.issues));
    process.exitCode = 1;
    return undefined;
  }
}

export function printStarted(run: StartedRun, cluster: { address: string; namespace: string; uiUrl?: string }): void {
  print.ok(`Started trainingPipeline ${run.workflowId}`);
  print.field('Web UI', workflowUiUrl(run.workflowId, cluster));
}

export function printResult(result: Awaited<ReturnType<StartedRun['handle']['result']>>): void {
  print.ok(`Run ${result.runId} finished: ${result.model} in experiment ${result.experiment}`);
  print.field('completed', result.completed.join(' → '));
  if (result.notImplemented.length > 0) print.field('not built', `${result.notImplemented.join(', ')} (coming in later issues)`);
  print.field('run folder', result.runDir);
  print.field('config', `${result.config.dir} (train ${result.config.train.sha256.slice(0, 12)}…)`);
  const { data, built } = result;
  const { train, validation, test } = data.records;
  print.field('data', `${train} train, ${validation} validation, ${test} test records (${data.reused ? 'reused' : 'prepared'} ${data.dir})`);
  for (const warning of data.warnings) print.field('warning', warning);
  const { total, trainable, frozen } = built.parameters;
  print.field('model', `${total.toLocaleString('en')} parameters: ${trainable.toLocaleString('en')} trainable, ${frozen.toLocaleString('en')} frozen (${built.backend})`);
  print.field('checkpoint', built.checkpoint.path);
  if (built.pretrained) {
    const p = built.pretrained;
    print.field('pretrained', `${p.matched} matched, ${p.missing} missing, ${p.unexpected} unexpected, ${p.shapeMismatches} shape mismatches (${p.policy})`);
  }
  print.field('reports', [built.reports.freeze.path, built.reports.pretrained?.path].filter(Boolean).join(', '));
}
