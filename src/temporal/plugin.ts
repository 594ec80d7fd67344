/**
 * Epochal as a Temporal plugin. One `EpochalPlugin`, given to `Worker.create`
 * (or to the `NativeConnection` the workers share) and to a `Client`, adds to
 * each what Epochal needs there:
 *
 * - a worker on the training task queue (`trainingTaskQueue`, default
 *   `epochal-gpu`) gets Epochal's activities, one at a time (training takes the
 *   whole accelerator), a 1-s shutdown grace (a cancelled chunk saves and
 *   another worker resumes it) and 1-s heartbeats (checkpoint paths reach the
 *   server fast);
 * - any other worker is an orchestration worker: Epochal's workflows (unless
 *   the worker names its own workflows module, which then re-exports
 *   `epochal/workflows`) and its stage activities, beside the worker's own;
 * - every worker: Epochal's data converter (its failure converter, and the
 *   payload codec when keys are configured), a Worker Deployment version (see
 *   `deployment.ts`) unless the worker declares its own, and Epochal's search
 *   attributes registered on the namespace when the worker is created;
 * - a client: the same data converter.
 *
 * The worker's own activities, interceptors, sinks and tuning pass through;
 * an explicit option on the worker wins over the plugin's default.
 * `epochal worker`, `epochal dev` and the demo build their workers with it.
 */
import { resolve } from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import type { DataConverter } from '@temporalio/common';
import type { ClientOptions, ClientPlugin } from '@temporalio/client';
import { Runtime, type ReplayWorkerOptions, type Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { createActivities, type EpochalActivities } from '../../activities/index.js';
import { BACKEND_ENV_VAR, effectiveBackendRequest } from '../backend/index.js';
import { rootsFromEnv, workerRoots, type Roots } from '../config/roots.js';
import { loadPlugins } from '../data/registry.js';
import { isStoreUrl } from '../store/store.js';
import { epochalDataConverter, withEpochalConverter } from './codec/data-converter.js';
import type { CodecKeys } from './codec/keys.js';
import { promote, workerDeployment, type DeploymentOptions, type Promotion } from './deployment.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { TRAINING_TASK_QUEUE, WORKFLOWS_PATH, defaultArtifactRoot, defaultMirrorDir, workerMirror } from './worker-defaults.js';

export interface EpochalPluginOptions {
  /** Default artifact root: a folder or `s3://bucket/prefix` (default: $EPOCHAL_ARTIFACT_ROOT, else `runs/` in the working folder). */
  artifactRoot?: string;
  /** Folders jobs may read data, configs and models from (default: $EPOCHAL_READ_ROOTS, else the working folder and the artifact root). */
  readRoots?: readonly string[];
  /** Folders jobs may write artifacts and outputs to (default: $EPOCHAL_WRITE_ROOTS, else the working folder and the artifact root). */
  writeRoots?: readonly string[];
  /** This worker's copy of the `s3://` artifacts it uses (default: $EPOCHAL_MIRROR_DIR, else `mirror/` in the Epochal cache). */
  mirrorDir?: string;
  /** The TensorFlow.js backend every model trains and scores on, whatever configs ask (sets $EPOCHAL_BACKEND for the process). */
  backend?: string;
  /** ES modules that register custom datasets (README, "Custom datasets"). */
  datasetPlugins?: readonly string[];
  /** The task queue whose workers train and score (default `epochal-gpu`); workers on any other queue orchestrate. */
  trainingTaskQueue?: string;
  /** Heap of the processes that prepare data, in MB (default: $EPOCHAL_STAGE_MEMORY_MB, else half the machine's memory, at most 4 GB). */
  stageMemoryMb?: number;
  /** A workflow bundle built beforehand (`bundleWorkflowCode` of `epochal/workflows`); bundled at worker start when absent. */
  workflowBundlePath?: string;
  /** The Worker Deployment these workers join (see `deployment.ts`); `false`: unversioned workers. */
  deployment?: DeploymentOptions | false;
  /** Payload encryption keys (default: $EPOCHAL_CODEC_KEYS / $EPOCHAL_CODEC_KEYS_FILE; none: payloads as they are). */
  codecKeys?: CodecKeys;
  /** Folder relative config paths given to workflows resolve against (default: the working folder). */
  cwd?: string;
}

/** What an `EpochalPlugin` resolved its options to. */
export interface EpochalPluginSettings {
  artifactRoot: string;
  roots: Roots;
  mirrorDir: string;
  trainingTaskQueue: string;
  encrypted: boolean;
  datasets: string[];
  deployment: WorkerOptions['workerDeploymentOptions'];
  promote: NonNullable<DeploymentOptions['promote']>;
}

/** Creates the plugin: loads codec keys and dataset modules, resolves roots and the deployment version. */
export async function epochalPlugin(options: EpochalPluginOptions = {}): Promise<EpochalPlugin> {
  if (options.backend) process.env[BACKEND_ENV_VAR] = options.backend;
  effectiveBackendRequest('auto'); // a misspelt backend fails here, at start, not in every activity
  const cwd = options.cwd ?? process.cwd();
  const artifactRoot = options.artifactRoot ? (isStoreUrl(options.artifactRoot) ? options.artifactRoot : resolve(cwd, options.artifactRoot)) : defaultArtifactRoot(cwd);
  const env = rootsFromEnv();
  const roots = workerRoots({ cwd, artifactRoot, read: options.readRoots ?? env.read, write: options.writeRoots ?? env.write });
  const { encrypted, ...dataConverter } = await epochalDataConverter(options.codecKeys);
  const mirror = workerMirror(options.mirrorDir ?? defaultMirrorDir());
  const datasets = await loadPlugins(options.datasetPlugins ?? [], cwd);
  const activities = createActivities({ artifactRoot, cwd, roots, encrypted, mirror, ...(options.stageMemoryMb ? { stageMemoryMb: options.stageMemoryMb } : {}) });
  const settings: EpochalPluginSettings = {
    artifactRoot,
    roots,
    mirrorDir: mirror.dir,
    trainingTaskQueue: options.trainingTaskQueue ?? TRAINING_TASK_QUEUE,
    encrypted,
    datasets,
    deployment: options.deployment === false ? undefined : await workerDeployment(options.deployment),
    promote: (options.deployment !== false && options.deployment?.promote) || 'newest',
  };
  return new EpochalPlugin(settings, activities, dataConverter, options.workflowBundlePath);
}

/** Epochal's worker and client plugin, built on the SDK's `SimplePlugin` for what it merges (data converters). */
export class EpochalPlugin implements WorkerPlugin, ClientPlugin {
  readonly name = 'epochal';
  private readonly simple: SimplePlugin;
  /** Settles when each versioned worker's promotion has been decided (see `deployment.ts`). */
  readonly promotions: Promise<Promotion>[] = [];

  constructor(
    readonly settings: EpochalPluginSettings,
    readonly activities: EpochalActivities,
    dataConverter: DataConverter,
    private readonly workflowBundlePath?: string,
  ) {
    this.simple = new SimplePlugin({ name: this.name, dataConverter: (existing) => withEpochalConverter(existing, dataConverter) });
  }

  configureClient(options: Omit<ClientOptions, 'plugins'>): Omit<ClientOptions, 'plugins'> {
    return this.simple.configureClient(options);
  }

  async configureWorker(options: WorkerOptions): Promise<WorkerOptions> {
    if (options.connection) await ensureSearchAttributes(options.connection, options.namespace ?? 'default');
    const configured = this.simple.configureWorker(options);
    const common = {
      ...configured,
      activities: withEpochalActivities(options.activities, this.activities),
      workerDeploymentOptions: options.workerDeploymentOptions ?? this.settings.deployment,
    };
    if (options.taskQueue === this.settings.trainingTaskQueue) {
      return {
        ...common,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 1,
        shutdownGraceTime: options.shutdownGraceTime ?? '1 second',
        defaultHeartbeatThrottleInterval: options.defaultHeartbeatThrottleInterval ?? '1 second',
        maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval ?? '2 seconds',
      };
    }
    return { ...common, ...this.workflows(options), shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds' };
  }

  configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return { ...this.simple.configureReplayWorker(options), ...this.workflows(options) };
  }

  /** Runs the worker; a versioned one makes its version current once it polls, as `promote` says. */
  runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const deployment = worker.options.workerDeploymentOptions;
    const connection = worker.connection;
    if (deployment?.useWorkerVersioning && connection && this.settings.promote !== 'never') {
      const promotion = promote(connection, worker.options.namespace, deployment, this.settings.promote);
      this.promotions.push(promotion);
      void promotion.then(
        (outcome) => {
          if (outcome.outcome === 'kept') Runtime.instance().logger.warn(`Worker Deployment version not made current: ${outcome.current} stays current, as ${outcome.reason}`);
        },
        (error: unknown) => Runtime.instance().logger.warn(`Worker Deployment version not made current: ${String(error)}`),
      );
    }
    return next(worker);
  }

  /** Epochal's workflows, unless the worker brings its own module or bundle (which then re-exports `epochal/workflows`). */
  private workflows(options: { workflowsPath?: string; workflowBundle?: WorkerOptions['workflowBundle'] }) {
    if (options.workflowsPath || options.workflowBundle) return {};
    return this.workflowBundlePath ? { workflowBundle: { codePath: this.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH };
  }
}

/** The worker's activities and Epochal's; an activity name both define is refused, not silently replaced. */
function withEpochalActivities(existing: object | undefined, epochal: EpochalActivities): object {
  const own = (existing ?? {}) as Record<string, unknown>;
  const clashes = Object.keys(own).filter((name) => name in epochal && own[name] !== epochal[name as keyof EpochalActivities]);
  if (clashes.length > 0) {
    throw new Error(`The worker's activities ${clashes.join(', ')} have the names of Epochal activities: rename them (Epochal's workflows call its own by name).`);
  }
  return { ...existing, ...epochal };
}
