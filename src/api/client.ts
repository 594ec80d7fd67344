/** `epochal/client`: start and steer Epochal runs from your own programs, typed. */
export { EpochalClient, InferenceJob, RetrainingRun, SweepRun, TrainingRun, type StartOptions } from '../client/epochal-client.js';
export { epochalClientPlugin } from '../temporal/client-plugin.js';
export { ORCHESTRATION_TASK_QUEUE } from '../temporal/connection.js';
export { readFailure, type FailureSummary } from '../temporal/failures.js';
export * from '../../workflows/definitions.js';
export type {
  BatchInferenceInput,
  BatchInferenceResult,
  RetrainingInput,
  RetrainingResult,
  SweepPipelineInput,
  SweepResult,
  TrainingPipelineInput,
  TrainingPipelineResult,
} from '../../workflows/index.js';
