/** `epochal infer <infer_params.json>`: validate locally, then start `batchInference`; `--wait` follows it. */
import { resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadInferConfig } from '../../config/load.js';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectClient, workflowUiUrl } from '../../temporal/connection.js';
import type { batchInference, BatchInferenceResult } from '../../../workflows/batch-inference.js';
import { inferenceProgressQuery } from '../../../workflows/definitions.js';
import { pollUntilSettled } from '../progress.js';
import { clusterOptions, loadOrReport, print, withClusterOptions } from '../shared.js';

interface InferFlags {
  address?: string;
  namespace?: string;
  id?: string;
  wait?: boolean;
  taskQueue: string;
}

export function registerInfer(program: Command): void {
  withClusterOptions(program.command('infer').description('Score a dataset with a trained model (batchInference) from infer_params.json'))
    .argument('<infer_params>', 'infer_params.json')
    .option('--id <workflowId>', 'workflow id (default: infer-<timestamp>)')
    .option('--wait', 'wait for the job to finish, showing progress, and print its result')
    .option('--task-queue <name>', 'orchestration task queue', ORCHESTRATION_TASK_QUEUE)
    .action(async (file: string, flags: InferFlags) => {
      const config = await loadOrReport(file, loadInferConfig);
      if (!config) return;
      const cluster = clusterOptions(flags);
      const client = await connectClient(cluster);
      try {
        const workflowId = flags.id ?? `infer-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const model = config.infer.model.type === 'champion' ? `champion of ${config.infer.model.experiment}` : config.infer.model.path;
        const handle = await client.workflow.start<typeof batchInference>('batchInference', {
          taskQueue: flags.taskQueue,
          workflowId,
          args: [{ inferParams: resolve(file) }],
          staticSummary: `Infer with ${model}`,
          staticDetails: `**Model** ${model}  \n**Data** ${config.infer.data.source.type}  \n**Output** ${config.infer.output.path} (${config.infer.output.format})`,
        });
        print.ok(`Started batchInference ${workflowId}`);
        print.field('Web UI', workflowUiUrl(workflowId, clusterConfig(cluster)));
        if (flags.wait) printResult(await follow(handle));
      } finally {
        await client.connection.close();
      }
    });
}

/** Waits for the result, with a bar of shards scored on a terminal (a line per shard elsewhere). */
async function follow(handle: WorkflowHandle<typeof batchInference>): Promise<BatchInferenceResult> {
  const bar = process.stdout.isTTY ? new SingleBar({ format: ' {phase} |{bar}| shard {value}/{total} · {rows} rows', hideCursor: true }) : undefined;
  let started = false;
  let reported = -1;
  try {
    return await pollUntilSettled(handle.result(), 500, async () => {
      const progress = await handle.query(inferenceProgressQuery).catch(() => undefined);
      if (!progress || progress.shards === 0) return;
      if (bar && !started) {
        bar.start(progress.shards, 0, { phase: progress.phase, rows: 0 });
        started = true;
      }
      bar?.update(progress.shardsDone, { phase: progress.phase, rows: progress.rows.toLocaleString('en') });
      if (!bar && progress.shardsDone !== reported) {
        reported = progress.shardsDone;
        print.info(`  ${progress.shardsDone}/${progress.shards} shards, ${progress.rows.toLocaleString('en')} rows`);
      }
    });
  } finally {
    bar?.stop();
  }
}

function printResult(result: BatchInferenceResult): void {
  const reused = result.reusedShards;
  print.ok(`Scored ${result.records.toLocaleString('en')} records: ${result.rows.toLocaleString('en')} rows in ${result.shards.toLocaleString('en')} shards${reused ? ` (${reused.toLocaleString('en')} reused)` : ''}`);
  print.field('model', `${result.model.path} (${result.model.requested.type})`);
  print.field('output', result.output);
  print.field('manifest', result.manifest.path);
}
