/** `epochal worker`: run Epochal's workflows and activities against a cluster until Ctrl-C. */
import type { Command } from 'commander';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectWorker } from '../../temporal/connection.js';
import { createEpochalWorker, defaultArtifactRoot } from '../../temporal/worker.js';
import { clusterOptions, print, withClusterOptions } from '../shared.js';

interface WorkerFlags {
  address?: string;
  namespace?: string;
  taskQueue: string;
  artifactRoot?: string;
}

export function registerWorker(program: Command): void {
  withClusterOptions(program.command('worker').description('Run an Epochal worker until Ctrl-C'))
    .option('--task-queue <name>', 'task queue to poll', ORCHESTRATION_TASK_QUEUE)
    .option('--artifact-root <dir>', 'default folder for run artifacts (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .action(async (flags: WorkerFlags) => {
      const cluster = clusterOptions(flags);
      const { connection, namespace } = await connectWorker(cluster);
      const artifactRoot = flags.artifactRoot ?? defaultArtifactRoot();
      try {
        const worker = await createEpochalWorker({ connection, namespace, taskQueue: flags.taskQueue, artifactRoot });
        print.ok(`Worker polling task queue "${flags.taskQueue}" on ${clusterConfig(cluster).address} (namespace ${namespace})`);
        print.field('artifacts', artifactRoot);
        await worker.run();
      } finally {
        await connection.close();
      }
    });
}
