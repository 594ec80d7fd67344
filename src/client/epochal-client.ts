/**
 * The typed library API for programs that start and steer Epochal runs: a
 * starter per workflow and a handle per run, with its signals, updates and
 * queries as methods. Wraps a Temporal `Client` made with Epochal's client
 * plugin (its data converter), so payloads match what the workers expect.
 */
import { randomUUID } from 'node:crypto';
import type { Client, ClientPlugin, WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { BatchInferenceInput } from '../../workflows/batch-inference.js';
import {
  extendEpochsUpdate,
  inferenceProgressQuery,
  pauseSignal,
  progressQuery,
  resumeSignal,
  setLearningRateUpdate,
  stopSignal,
  sweepProgressQuery,
  type InferenceProgress,
  type Progress,
  type SweepProgress,
} from '../../workflows/definitions.js';
import type { RetrainingInput } from '../../workflows/retraining-pipeline.js';
import type { SweepPipelineInput } from '../../workflows/sweep-pipeline.js';
import type { TrainingPipelineInput } from '../../workflows/training-pipeline.js';
import type { batchInference, retrainingPipeline, sweepPipeline, trainingPipeline } from '../../workflows/index.js';
import { connectClient, ORCHESTRATION_TASK_QUEUE, type ClusterOptions } from '../temporal/connection.js';

/** Where and as what a run starts: the workflow id (default `<kind>-<random>`), the orchestration task queue (default `epochal`). */
export interface StartOptions {
  workflowId?: string;
  taskQueue?: string;
}

/** A run of any Epochal workflow: its id and its result. */
class Run<W extends Workflow> {
  constructor(readonly handle: WorkflowHandle<W>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  /** Waits for the run to end; a failed run rejects with a `WorkflowFailedError` (`readFailure` reads it). */
  result(): Promise<Awaited<ReturnType<W>>> {
    return this.handle.result() as Promise<Awaited<ReturnType<W>>>;
  }
}

/** A `trainingPipeline` run. */
export class TrainingRun extends Run<typeof trainingPipeline> {
  /** Epoch, step, losses, metrics, ETA and phase. */
  progress(): Promise<Progress> {
    return this.handle.query(progressQuery);
  }
  /** Holds at the next chunk boundary. */
  pause(): Promise<void> {
    return this.handle.signal(pauseSignal);
  }
  resume(): Promise<void> {
    return this.handle.signal(resumeSignal);
  }
  /** Ends training at the next chunk boundary; the run then evaluates and exports what it trained. */
  stop(): Promise<void> {
    return this.handle.signal(stopSignal);
  }
  /** Adds epochs to the budget; resolves to the new budget. */
  extendEpochs(epochs: number): Promise<number> {
    return this.handle.executeUpdate(extendEpochsUpdate, { args: [epochs] });
  }
  /** Sets the base learning rate from the next chunk on; resolves to the new rate. */
  setLearningRate(rate: number): Promise<number> {
    return this.handle.executeUpdate(setLearningRateUpdate, { args: [rate] });
  }
}

/** A `batchInference` job. */
export class InferenceJob extends Run<typeof batchInference> {
  progress(): Promise<InferenceProgress> {
    return this.handle.query(inferenceProgressQuery);
  }
}

/** A `sweepPipeline` run. */
export class SweepRun extends Run<typeof sweepPipeline> {
  /** Its trials so far, and the best. */
  progress(): Promise<SweepProgress> {
    return this.handle.query(sweepProgressQuery);
  }
  /** Starts no more trials; the running ones stop early and export. */
  stop(): Promise<void> {
    return this.handle.signal(stopSignal);
  }
}

/** A `retrainingPipeline` run. */
export class RetrainingRun extends Run<typeof retrainingPipeline> {}

/** Starts Epochal workflows and finds their runs. */
export class EpochalClient {
  constructor(readonly client: Client) {}

  /** Connects as the `temporal` CLI would (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles), with Epochal's client plugin and `plugins`. */
  static async connect(options: ClusterOptions & { plugins?: ClientPlugin[] } = {}): Promise<EpochalClient> {
    return new EpochalClient(await connectClient(options));
  }

  async startTraining(input: TrainingPipelineInput, options: StartOptions = {}): Promise<TrainingRun> {
    return new TrainingRun(await this.client.workflow.start<typeof trainingPipeline>('trainingPipeline', { ...this.where('train', options), args: [input] }));
  }

  async startBatchInference(input: BatchInferenceInput, options: StartOptions = {}): Promise<InferenceJob> {
    return new InferenceJob(await this.client.workflow.start<typeof batchInference>('batchInference', { ...this.where('infer', options), args: [input] }));
  }

  async startRetraining(input: RetrainingInput, options: StartOptions = {}): Promise<RetrainingRun> {
    return new RetrainingRun(await this.client.workflow.start<typeof retrainingPipeline>('retrainingPipeline', { ...this.where('retrain', options), args: [input] }));
  }

  async startSweep(input: SweepPipelineInput, options: StartOptions = {}): Promise<SweepRun> {
    return new SweepRun(await this.client.workflow.start<typeof sweepPipeline>('sweepPipeline', { ...this.where('sweep', options), args: [input] }));
  }

  /** The run of an existing training workflow (its latest run unless `runId`). */
  training(workflowId: string, runId?: string): TrainingRun {
    return new TrainingRun(this.client.workflow.getHandle<typeof trainingPipeline>(workflowId, runId));
  }

  inference(workflowId: string, runId?: string): InferenceJob {
    return new InferenceJob(this.client.workflow.getHandle<typeof batchInference>(workflowId, runId));
  }

  sweep(workflowId: string, runId?: string): SweepRun {
    return new SweepRun(this.client.workflow.getHandle<typeof sweepPipeline>(workflowId, runId));
  }

  retraining(workflowId: string, runId?: string): RetrainingRun {
    return new RetrainingRun(this.client.workflow.getHandle<typeof retrainingPipeline>(workflowId, runId));
  }

  /** The task queue and workflow id a run starts with. */
  private where(kind: string, options: StartOptions): { taskQueue: string; workflowId: string } {
    return { taskQueue: options.taskQueue ?? ORCHESTRATION_TASK_QUEUE, workflowId: options.workflowId ?? `${kind}-${randomUUID()}` };
  }

}
