/** Epochal configs: schemas (the single source of config types), loading and validation. */
export * from './common.js';
export * from './issues.js';
export * from './load.js';
export { DataConfig } from './data/data.js';
export { DataSource, sourceFields } from './data/sources.js';
export { InferParams, ModelRef } from './infer/infer-params.js';
export { Block, type BlockType, type BlockOf } from './net/blocks.js';
export { NetParams, ModelInput } from './net/net-params.js';
export { TrainParams } from './train/train-params.js';
export { Training, Optimizer, type Metric } from './train/training.js';
export { FineTune } from './train/fine-tune.js';
export { SweepParams, Dimension, Search, EarlyTermination } from './sweep/sweep-params.js';
