/** Starting Epochal workflows from a client, with what makes them readable in the Temporal UI. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TrainConfig } from '../config/load.js';
import type { trainingPipeline, TrainingPipelineInput } from '../../workflows/training-pipeline.js';
import { EXPERIMENT, MODEL } from '../../workflows/search-attributes.js';
import { ORCHESTRATION_TASK_QUEUE } from './connection.js';

export interface StartTrainingOptions {
  /** What the workflow receives: a path the worker can read, or the config object. */
  trainParams: TrainingPipelineInput['trainParams'];
  /** The config as validated here, for the workflow id, summary and search attributes. */
  config: TrainConfig;
  workflowId?: string;
  taskQueue?: string;
  /** Train on this task queue rather than the config's `training.taskQueue`. */
  trainingTaskQueue?: string;
}

export interface StartedRun {
  workflowId: string;
  handle: WorkflowHandle<typeof trainingPipeline>;
}

/**
 * Starts `trainingPipeline`; the id defaults to `<experiment>-<UTC timestamp>`.
 * A client that encrypts payloads keeps the config out of what the server
 * stores in plaintext: the id is `train-<UTC timestamp>` and no search
 * attributes are set (the summary and details are payloads: encrypted).
 */
export async function startTrainingPipeline(client: Client, options: StartTrainingOptions): Promise<StartedRun> {
  const { train, net } = options.config;
  const encrypted = encryptsPayloads(client);
  const workflowId = options.workflowId ?? `${encrypted ? 'train' : train.experiment}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
    taskQueue: options.taskQueue ?? ORCHESTRATION_TASK_QUEUE,
    workflowId,
    args: [{ trainParams: options.trainParams, ...(options.trainingTaskQueue ? { trainingTaskQueue: options.trainingTaskQueue } : {}) }],
    staticSummary: `Train ${net.name} · ${train.experiment}`,
    staticDetails: [
      `**Experiment** ${train.experiment}  `,
      `**Network** ${net.name} (${Object.keys(net.blocks).length} blocks)  `,
      `**Data** ${train.data.source.type}, ${train.training.epochs} epochs, ${train.training.epochsPerChunk} per chunk  `,
      `**Config** ${options.config.sources.train.file ?? 'inline'} (sha256 ${options.config.sources.train.sha256.slice(0, 12)}…)`,
    ].join('\n'),
    ...(encrypted
      ? {}
      : {
          typedSearchAttributes: [
            { key: EXPERIMENT, value: train.experiment },
            { key: MODEL, value: net.name },
          ],
        }),
  });
  return { workflowId, handle };
}

/** Whether `client` encrypts payloads (Epochal's codec is configured). */
export function encryptsPayloads(client: Client): boolean {
  return client.options.loadedDataConverter.payloadCodecs.length > 0;
}
