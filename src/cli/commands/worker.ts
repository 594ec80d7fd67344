/** `epochal worker`: run Epochal's workflows and activities against a cluster until Ctrl-C. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BACKEND_ENV_VAR, BACKEND_REQUESTS, useBackend } from '../../backend/index.js';
import { ORCHESTRATION_TASK_QUEUE, clusterConfig, connectWorker } from '../../temporal/connection.js';
import { PROMOTION_POLICIES, type PromotionPolicy } from '../../temporal/deployment.js';
import type { EpochalPluginOptions } from '../../temporal/plugin.js';
import { createEpochalWorkers, TRAINING_TASK_QUEUE, type EpochalWorkers } from '../../temporal/worker.js';
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
  stageMemoryMb?: number;
  workflowBundle?: string;
  versioning: boolean;
  deploymentName?: string;
  buildId?: string;
  promote?: PromotionPolicy;
}

/**
 * Where each plugin option comes from on `epochal worker`: its flag, or why it has none. Every option is
 * listed (the type says so), and test/cli/worker-options.test.ts checks each flag is in `--help`.
 */
export const WORKER_FLAGS: { [K in keyof Required<EpochalPluginOptions>]: string } = {
  artifactRoot: '--artifact-root',
  readRoots: '--read-root',
  writeRoots: '--write-root',
  mirrorDir: '--mirror-dir',
  backend: '--backend',
  datasetPlugins: '--plugins',
  trainingTaskQueue: '--training-task-queue',
  stageMemoryMb: '--stage-memory-mb',
  workflowBundlePath: '--workflow-bundle',
  deployment: '--deployment-name, --build-id, --promote, --no-versioning',
  codecKeys: 'environment only: EPOCHAL_CODEC_KEYS or EPOCHAL_CODEC_KEYS_FILE (keys stay off command lines)',
  cwd: 'the working folder the worker is started in',
};

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
    .option('--stage-memory-mb <mb>', 'heap of the processes that prepare data (default: $EPOCHAL_STAGE_MEMORY_MB, else half the memory, at most 4096)', positiveInteger)
    .option('--workflow-bundle <file>', 'a workflow bundle built beforehand from epochal/workflows (default: bundled at start)')
    .option('--deployment-name <name>', 'the Worker Deployment this worker joins (default: epochal)')
    .option('--build-id <id>', "this worker's build id (default: <package version>+<commit>)")
    .addOption(
      new Option('--promote <when>', 'when this version becomes the deployment\'s current one: newest (when newer than the current), always, never (you run "temporal worker deployment set-current-version")')
        .choices(PROMOTION_POLICIES)
        .default('newest'),
    )
    .option('--no-versioning', 'run unversioned (no Worker Deployment version)')
    .action(async (flags: WorkerFlags) => {
      const cluster = clusterOptions(flags);
      const { connection, namespace } = await connectWorker(cluster);
      try {
        const queue = (name: string) => (name === 'none' ? false : name);
        const workers = await createEpochalWorkers({
          connection,
          namespace,
          taskQueue: queue(flags.taskQueue),
          trainingTaskQueue: queue(flags.trainingTaskQueue),
          ...(flags.artifactRoot ? { artifactRoot: flags.artifactRoot } : {}),
          ...(flags.readRoot ? { readRoots: flags.readRoot } : {}),
          ...(flags.writeRoot ? { writeRoots: flags.writeRoot } : {}),
          ...(flags.mirrorDir ? { mirrorDir: flags.mirrorDir } : {}),
          ...(flags.backend ? { backend: flags.backend } : {}),
          ...(flags.plugins ? { datasetPlugins: flags.plugins } : {}),
          ...(flags.stageMemoryMb ? { stageMemoryMb: flags.stageMemoryMb } : {}),
          ...(flags.workflowBundle ? { workflowBundlePath: flags.workflowBundle } : {}),
          deployment: flags.versioning
            ? { ...(flags.deploymentName ? { name: flags.deploymentName } : {}), ...(flags.buildId ? { buildId: flags.buildId } : {}), ...(flags.promote ? { promote: flags.promote } : {}) }
            : false,
        });
        const served = [flags.taskQueue, flags.trainingTaskQueue].filter((name) => name !== 'none').map((name) => `"${name}"`);
        print.ok(`Worker polling task queue${served.length > 1 ? 's' : ''} ${served.join(' and ')} on ${clusterConfig(cluster).address} (namespace ${namespace})`);
        printWorkerSettings(workers);
        if (flags.trainingTaskQueue !== 'none') await printBackend(Boolean(flags.backend));
        await runSayingPromotion(workers);
      } finally {
        await connection.close();
      }
    });
}

/** What a worker was made with: its deployment version, where it reads and writes, payloads, datasets. */
export function printWorkerSettings(workers: EpochalWorkers): void {
  const { settings } = workers.plugin;
  const version = settings.deployment?.version;
  const promotion = { newest: 'current once it is the newest version', always: 'made current when it starts', never: 'made current by hand' }[settings.promote];
  print.field('deployment', version ? `${version.deploymentName}, build ${version.buildId} (workflows auto-upgrade; ${promotion})` : 'unversioned');
  print.field('artifacts', settings.artifactRoot);
  if (isStoreUrl(settings.artifactRoot)) print.field('mirror', settings.mirrorDir);
  print.field('reads from', settings.roots.read.join(', '));
  print.field('writes to', settings.roots.write.join(', '));
  print.field('payloads', settings.encrypted ? 'encrypted (AES-256-GCM; epochal codec-server lets the Web UI read them)' : 'not encrypted (set EPOCHAL_CODEC_KEYS to encrypt them)');
  if (settings.datasets.length > 0) print.field('datasets', settings.datasets.join(', '));
}

/** Runs the workers; once they poll, says whether their version is the deployment's current one (and why not). */
export async function runSayingPromotion(workers: EpochalWorkers): Promise<void> {
  const running = workers.run();
  const version = workers.plugin.settings.deployment?.version;
  void Promise.all(workers.plugin.promotions).then(
    (outcomes) => {
      const kept = outcomes.find((outcome) => outcome.outcome === 'kept');
      if (kept) print.warn(`${version?.deploymentName}.${version?.buildId} is not current: ${kept.current} stays current, as ${kept.reason}.`);
      else if (outcomes.length > 0) print.ok(`${version?.deploymentName}.${version?.buildId} is the deployment's current version`);
    },
    (error: unknown) => print.warn(`Could not make ${version?.deploymentName}.${version?.buildId} current: ${String(error)}`),
  );
  await running;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`Expected a positive integer, but got ${value}.`);
  return parsed;
}

/** Which backend training on this worker uses (auto, or the override) and why it passed over the better ones. */
export async function printBackend(overridden = Boolean(process.env[BACKEND_ENV_VAR]?.trim())): Promise<void> {
  const active = await useBackend('auto');
  const why = overridden ? `${BACKEND_ENV_VAR} overrides configs` : active.skipped.length === 0 ? 'the best backend' : 'the best one that starts here';
  print.field('backend', `${active.name} (${active.package}; ${why})`);
  for (const { name, reason } of active.skipped) print.field('', `passed over ${name}: ${reason}`);
}
