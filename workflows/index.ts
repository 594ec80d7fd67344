/** Every Epochal workflow; the worker bundles this module. */
export { trainingPipeline } from './training-pipeline.js';
export type { TrainingPipelineInput, TrainingPipelineResult } from './training-pipeline.js';
export { batchInference, inferenceProgressQuery } from './batch-inference.js';
export type { BatchInferenceInput, BatchInferenceResult, InferenceProgress } from './batch-inference.js';
