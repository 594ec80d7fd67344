/** Evaluating a checkpoint, or another model, on a split of the run's prepared data (the evaluate stage's work). */
import { writeFileAtomically } from '../artifacts/atomic.js';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { encodeOutput } from '../infer/output.js';
import { formatSpecShape } from '../data/validate.js';
import { DataError } from '../errors.js';
import { resolveModel } from '../infer/model-package.js';
import { buildModel } from '../model/build.js';
import { loadPretrained } from '../model/pretrained.js';
import type { PreparedData } from '../data/prepared.js';
import type { SplitName } from '../data/split.js';
import { evaluateSplit, type LabelledRow, type SplitEvaluation } from './evaluate.js';
import { openRunModel } from './run-model.js';

export interface EvaluateRequest {
  trainParams: string;
  preparedDir: string;
  checkpoint: string;
  split: SplitName;
  /** Where to keep every labelled position's prediction (CSV: id, step, label, class, probabilities). */
  predictions?: string;
}

/** The checkpoint's loss and metrics on the split; undefined when the split is empty. `onBatch` follows its progress. */
export async function evaluateCheckpoint(request: EvaluateRequest, onBatch?: (batch: number) => void): Promise<SplitEvaluation | undefined> {
  const run = await openRunModel(request.trainParams, request.preparedDir);
  try {
    await loadCheckpoint(request.checkpoint, run.model);
    const rows: LabelledRow[] | undefined = request.predictions ? [] : undefined;
    const evaluation = await evaluateSplit(run, request.split, run.config.train.training.batchSize, { predictions: rows, onBatch });
    if (request.predictions && rows) {
      const sequence = rows.some((row) => row.step !== undefined);
      const { data } = encodeOutput(rows, { format: 'csv', classes: run.prepared.index.classes, probabilities: true, sequence, labels: true });
      await writeFileAtomically(request.predictions, data);
    }
    return evaluation;
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
  /** Leave out the records of these groups (subjects a model trained on). */
  excludeGroups?: readonly string[];
}

/** Which records of a split an evaluation used, when groups were left out. */
export interface Holdout {
  /** Groups and records evaluated on. */
  groups: number;
  records: number;
  /** Groups of the split left out. */
  leftOut: number;
}

/**
 * Another model on this run's split: the champion judged on the challenger's
 * holdout. The records are the same; they are normalised with the statistics
 * the model was trained with. A model that was trained on other fields or
 * shapes cannot be judged here: a `DataError` says which.
 */
export async function evaluateModel(request: EvaluateModelRequest, onBatch?: (batch: number) => void): Promise<(SplitEvaluation & { holdout?: Holdout }) | undefined> {
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
  const selected = request.excludeGroups && (await recordsOutside(run.prepared, request.split, request.excludeGroups));
  const model = buildModel(other.net, 0);
  try {
    await loadPretrained(model, other.weights, 'strict');
    const fields = [...new Set([...inputFields, run.target])];
    const judged = { ...run, model, inputFields, fields, prepared: run.prepared.withNormalization(other.preprocessing.normalization) };
    const evaluation = await evaluateSplit(judged, request.split, run.config.train.training.batchSize, { indices: selected?.indices, onBatch });
    return evaluation && (selected ? { ...evaluation, holdout: selected.holdout } : evaluation);
  } finally {
    model.dispose();
  }
}

/** The records of `split` whose group is not in `excluded`, and what that leaves. */
async function recordsOutside(prepared: PreparedData, split: SplitName, excluded: readonly string[]): Promise<{ indices: number[]; holdout: Holdout }> {
  const leave = new Set(excluded);
  const groups = await prepared.recordGroups(split);
  const indices = groups.flatMap((group, i) => (leave.has(group) ? [] : [i]));
  const kept = new Set(indices.map((i) => groups[i]!));
  return { indices, holdout: { groups: kept.size, records: indices.length, leftOut: new Set(groups).size - kept.size } };
}
