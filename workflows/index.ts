/** Every Epochal workflow; the worker bundles this module. */
export { trainingPipeline } from './training-pipeline.js';
export type { TrainingPipelineInput, TrainingPipelineResult } from './training-pipeline.js';
export { batchInference } from './batch-inference.js';
export type { BatchInferenceInput, BatchInferenceResult } from './batch-inference.js';
export { retrainingPipeline } from './retraining-pipeline.js';
export type { RetrainingInput, RetrainingResult } from './retraining-pipeline.js';
export { sweepPipeline } from './sweep-pipeline.js';
export type { SweepPipelineInput, SweepResult } from './sweep-pipeline.js';
// Signals, updates and queries, for workflows that steer or watch an Epochal run they started as a child.
export * from './definitions.js';
