/** `epochal worker`: run Epochal's workflows and activities against a cluster until Ctrl-C. */
import type { Command } from 'commander';
import { BACKEND_ENV_VAR, BACKEND_REQUESTS, effectiveBackendRequest, useBackend } from '../../backend/index.js';
import { loadPlugins } from '../../data/registry.js';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectWorker } from '../../temporal/connection.js';
import { createEpochalWorkers, defaultArtifactRoot, TRAINING_TASK_QUEUE } from '../../temporal/worker.js';
import { isStoreUrl } from '../../store/store.js';
import { clusterOptions, print, withClusterOptions } from '../shared.js';

interface WorkerFlags {
  address?: string;
  namespace?: string;
  taskQueue: string;
  trainingTaskQueue: string;
  artifactRoot?: string;
  backend?: string;
  plugins?: string[];
  readRoot?: string[];
  writeRoot?: string[];
  mirrorDir?: string;
}

export function registerWorker(program: Command): void {
  withClusterOptions(program.command('worker').description('Run an Epochal worker until Ctrl-C'))
    .option('--task-queue <name>', 'orchestration task queue to poll ("none" to serve training only)', ORCHESTRATION_TASK_QUEUE)
    .option('--training-task-queue <name>', 'training task queue to poll ("none" to serve orchestration only)', TRAINING_TASK_QUEUE)
    .option('--artifact-root <dir>', 'default folder (or s3://bucket/prefix) for run artifacts (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .option('--mirror-dir <dir>', "this worker's copy of the s3:// artifacts it uses (default: $EPOCHAL_MIRROR_DIR, else mirror/ in the Epochal cache)")
    .option('--backend <name>', `run every model on this TensorFlow.js backend, whatever configs ask (sets ${BACKEND_ENV_VAR}): ${BACKEND_REQUESTS.join(', ')}`)
    .option('--read-root <dirs...>', 'folders jobs may read data, configs and models from (default: $EPOCHAL_READ_ROOTS, else the working folder and the artifact root)')
    .option('--write-root <dirs...>', 'folders jobs may write artifacts and outputs to (default: $EPOCHAL_WRITE_ROOTS, else the working folder and the artifact root)')
    .option('--plugins <modules...>', 'ES modules that register custom datasets (see README, "Custom datasets")')
    .action(async (flags: WorkerFlags) => {
      if (flags.backend) process.env[BACKEND_ENV_VAR] = flags.backend;
      effectiveBackendRequest('auto'); // a misspelt override fails here, at start, not in every activity
      const datasets = await loadPlugins(flags.plugins ?? []);
      const cluster = clusterOptions(flags);
      const { connection, namespace } = await connectWorker(cluster);
      const artifactRoot = flags.artifactRoot ?? defaultArtifactRoot();
      try {
        const queue = (name: string) => (name === 'none' ? false : name);
        const workers = await createEpochalWorkers({
          connection,
          namespace,
          taskQueue: queue(flags.taskQueue),
          trainingTaskQueue: queue(flags.trainingTaskQueue),
          artifactRoot,
          ...(flags.readRoot ? { readRoots: flags.readRoot } : {}),
          ...(flags.writeRoot ? { writeRoots: flags.writeRoot } : {}),
          ...(flags.mirrorDir ? { mirrorDir: flags.mirrorDir } : {}),
        });
        const served = [flags.taskQueue, flags.trainingTaskQueue].filter((name) => name !== 'none').map((name) => `"${name}"`);
        print.ok(`Worker polling task queue${served.length > 1 ? 's' : ''} ${served.join(' and ')} on ${clusterConfig(cluster).address} (namespace ${namespace})`);
        print.field('artifacts', artifactRoot);
        if (isStoreUrl(artifactRoot)) print.field('mirror', workers.mirrorDir);
        print.field('reads from', workers.roots.read.join(', '));
        print.field('writes to', workers.roots.write.join(', '));
        print.field('payloads', workers.encrypted ? 'encrypted (AES-256-GCM; epochal codec-server lets the Web UI read them)' : 'not encrypted (set EPOCHAL_CODEC_KEYS to encrypt them)');
        if (flags.trainingTaskQueue !== 'none') await printBackend(Boolean(flags.backend));
        if (datasets.length > 0) print.field('datasets', datasets.join(', '));
        await workers.run();
      } finally {
        await connection.close();
      }
    });
}

/** Which backend training on this worker uses (auto, or the override) and why it passed over the better ones. */
export async function printBackend(overridden = Boolean(process.env[BACKEND_ENV_VAR]?.trim())): Promise<void> {
  const active = await useBackend('auto');
  const why = overridden ? `${BACKEND_ENV_VAR} overrides configs` : active.skipped.length === 0 ? 'the best backend' : 'the best one that starts here';
  print.field('backend', `${active.name} (${active.package}; ${why})`);
  for (const { name, reason } of active.skipped) print.field('', `passed over ${name}: ${reason}`);
}
