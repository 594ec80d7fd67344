/** Evaluating a checkpoint, or another model, on a split of the run's prepared data (the evaluate stage's work). */
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { formatSpecShape } from '../data/validate.js';
import { DataError } from '../errors.js';
import { resolveModel } from '../infer/model-package.js';
import { buildModel } from '../model/build.js';
import { loadPretrained } from '../model/pretrained.js';
import type { SplitName } from '../data/split.js';
import { evaluateSplit, type SplitEvaluation } from './evaluate.js';
import { openRunModel } from './run-model.js';

export interface EvaluateRequest {
  trainParams: string;
  preparedDir: string;
  checkpoint: string;
  split: SplitName;
}

/** The checkpoint's loss and metrics on the split; undefined when the split is empty. */
export async function evaluateCheckpoint(request: EvaluateRequest): Promise<SplitEvaluation | undefined> {
  const run = await openRunModel(request.trainParams, request.preparedDir);
  try {
    await loadCheckpoint(request.checkpoint, run.model);
    return await evaluateSplit(run, request.split, run.config.train.training.batchSize);
  } finally {
    run.model.dispose();
  }
}

export interface EvaluateModelRequest {
  /** The run whose holdout to use: its snapshotted train_params.json (loss settings, batch size). */
  trainParams: string;
  preparedDir: string;
  /** Another model (an exported folder or a checkpoint), with its own network and preprocessing. */
  model: string;
  split: SplitName;
}

/**
 * Another model on this run's split: the champion judged on the challenger's
 * holdout. The records are the same; they are normalised with the statistics
 * the model was trained with. A model that was trained on other fields or
 * shapes cannot be judged here: a `DataError` says which.
 */
export async function evaluateModel(request: EvaluateModelRequest): Promise<SplitEvaluation | undefined> {
  const run = await openRunModel(request.trainParams, request.preparedDir);
  run.model.dispose();
  const other = await resolveModel({ type: 'exported', path: request.model }, ''); // a checkpoint is recognised as one
  const inputFields = Object.keys(other.net.inputs).map((input) => other.preprocessing.inputs[input] ?? input);
  const problems = Object.entries(other.preprocessing.fields).flatMap(([field, spec]) => {
    const here = run.prepared.index.fields[field];
    if (!here) return [`field "${field}" is not in the holdout`];
    return formatSpecShape(here.shape) === formatSpecShape(spec.shape) ? [] : [`field "${field}" is ${formatSpecShape(here.shape)} here, ${formatSpecShape(spec.shape)} in the model`];
  });
  if (problems.length > 0) {
    throw new DataError(
      `Model ${request.model} cannot be evaluated on the holdout of ${request.preparedDir}: ${problems.join('; ')}. ` +
        'Fix: train a model for the new layout from scratch and make it the champion with `epochal champion promote`.',
      { file: request.preparedDir, field: inputFields.join(', ') },
    );
  }
  const model = buildModel(other.net, 0);
  try {
    await loadPretrained(model, other.weights, 'strict');
    const fields = [...new Set([...inputFields, run.target])];
    return await evaluateSplit({ ...run, model, inputFields, fields, prepared: run.prepared.withNormalization(other.preprocessing.normalization) }, request.split, run.config.train.training.batchSize);
  } finally {
    model.dispose();
  }
}
