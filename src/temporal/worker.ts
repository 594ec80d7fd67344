/**
 * An Epochal worker: the bundled workflows and the stage activities on one
 * task queue, against any cluster. The CLI (`epochal worker`, `epochal dev`),
 * the demo and the integration tests all build their workers here.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { ORCHESTRATION_TASK_QUEUE } from './connection.js';
import { ensureSearchAttributes } from './search-attributes.js';

/** The workflow module the worker bundles. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface EpochalWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Task queue to poll (default `epochal`). */
  taskQueue?: string;
  /** Default artifact root (default `$EPOCHAL_ARTIFACT_ROOT`, else `runs/` in the working folder). */
  artifactRoot?: string;
  /** Folder relative config paths resolve against (default: the working folder). */
  cwd?: string;
  /** A prebuilt workflow bundle (tests bundle once for the whole suite); bundled from source when absent. */
  workflowBundlePath?: string;
}

/** The artifact root a worker uses when neither the config nor its options name one. */
export function defaultArtifactRoot(cwd = process.cwd()): string {
  return resolve(cwd, process.env.EPOCHAL_ARTIFACT_ROOT ?? 'runs');
}

/** Creates (does not run) a worker; registers Epochal's search attributes first if the namespace lacks them. */
export async function createEpochalWorker(options: EpochalWorkerOptions): Promise<Worker> {
  await ensureSearchAttributes(options.connection, options.namespace);
  const cwd = options.cwd ?? process.cwd();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? ORCHESTRATION_TASK_QUEUE,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ artifactRoot: options.artifactRoot ?? defaultArtifactRoot(cwd), cwd }),
    shutdownGraceTime: '10 seconds',
  });
}
