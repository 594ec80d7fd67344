/**
 * A run's network, data and optimizer, assembled from its config snapshot and
 * prepared data: what training and evaluation both start from.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend, type ActiveBackend } from '../backend/index.js';
import { loadSnapshotConfig, type TrainConfig } from '../config/load.js';
import type { Batch as DataBatch } from '../data/batches.js';
import { MASK_FIELD } from '../data/batches.js';
import { PreparedData } from '../data/prepared.js';
import { buildModel } from '../model/build.js';
import { trainableCandidates } from '../model/freeze.js';
import type { Batch } from './step.js';

export interface RunModel {
  config: TrainConfig;
  prepared: PreparedData;
  model: tf.LayersModel;
  backend: ActiveBackend;
  /** The weights that can train at all. */
  candidates: Set<string>;
  /** The batch fields that feed the model's inputs, in input order. */
  inputFields: string[];
  /** The batch fields to read: inputs, target and (when the data has them) sample weights. */
  fields: string[];
  target: string;
  ignoreLabel: number;
}

/** Builds the run's network (same config and seed as every other attempt) on its backend, with its prepared data. */
export async function openRunModel(trainParams: string, preparedDir: string): Promise<RunModel> {
  const config = await loadSnapshotConfig(trainParams);
  const backend = await useBackend(config.train.backend);
  const prepared = await PreparedData.open(preparedDir);
  if (!prepared) throw new Error(`No prepared data in ${preparedDir}; prepareData has to run first.`);
  const model = buildModel(config.net, config.train.seed);
  const inputFields = Object.keys(config.net.inputs).map((input) => config.train.data.inputs[input] ?? input);
  const { target, ignoreLabel } = prepared.index;
  const weights = Object.entries(prepared.index.fields).find(([, spec]) => spec.kind === 'weight')?.[0];
  return {
    config,
    prepared,
    model,
    backend,
    candidates: trainableCandidates(model),
    inputFields,
    fields: [...new Set([...inputFields, target, ...(weights ? [weights] : [])])],
    target,
    ignoreLabel,
  };
}

/** Tensors for one data batch (the caller disposes them). */
export function toTensors(run: RunModel, batch: DataBatch): Batch {
  const tensor = (field: string) => {
    const { shape, data } = batch.fields[field]!;
    return tf.tensor(data, shape, data instanceof Int32Array ? 'int32' : 'float32');
  };
  const weights = run.fields.find((field) => field !== run.target && !run.inputFields.includes(field));
  return {
    inputs: run.inputFields.map(tensor),
    labels: tensor(run.target),
    ...(weights ? { weights: tensor(weights) } : {}),
  };
}

/** Whether the batch fields include the padding mask (sequence data). */
export function usesMask(run: RunModel): boolean {
  return run.inputFields.includes(MASK_FIELD);
}

/** Disposes the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  tf.dispose([...batch.inputs, batch.labels, ...(batch.weights ? [batch.weights] : [])]);
}
