/**
 * Which weights train: the seed's TRAINABLE_LAYERS as glob patterns over
 * weight names (`fineTune.trainable` or `fineTune.frozen`), widened by the
 * unfreeze schedule as epochs pass.
 */
import type * as tf from '@tensorflow/tfjs';
import { fineTunePatternLists, type FineTune } from '../config/train/fine-tune.js';
import { nearest, type ConfigIssue } from '../config/issues.js';
import { listWeights, patternSelects, selectWeights, weightName, type WeightInfo } from './weights.js';

/** Trainable versus frozen weights and their parameter counts. */
export interface FreezeReport {
  trainable: string[];
  frozen: string[];
  trainableParams: number;
  frozenParams: number;
  /** Weights that never train (batch-norm moving statistics). */
  nonTrainableParams: number;
}

/**
 * The weights that train at `epoch` (1-based): those `fineTune.trainable`
 * selects, or all but those `fineTune.frozen` selects, plus every schedule step
 * reached so far. `candidates` are the weights that can train at all.
 */
export function trainableAt(epoch: number, fineTune: FineTune | undefined, candidates: readonly string[]): Set<string> {
  const unfrozen = (fineTune?.unfreezeSchedule ?? [])
    .filter((step) => step.atEpoch <= epoch)
    .flatMap((step) => step.trainable);
  let trainable: string[];
  if (fineTune?.trainable) trainable = selectWeights([...fineTune.trainable, ...unfrozen], candidates);
  else if (fineTune?.frozen) {
    const frozen = new Set(selectWeights(fineTune.frozen, candidates));
    const thawed = new Set(selectWeights(unfrozen, candidates));
    trainable = candidates.filter((name) => !frozen.has(name) || thawed.has(name));
  } else trainable = [...candidates];
  return new Set(trainable);
}

/** The base learning rate at `epoch`: the last schedule step reached that sets one, else `base`. */
export function learningRateAt(epoch: number, fineTune: FineTune | undefined, base: number): number {
  const steps = (fineTune?.unfreezeSchedule ?? []).filter((step) => step.atEpoch <= epoch && step.learningRate);
  return steps.length > 0 ? steps[steps.length - 1]!.learningRate! : base;
}

/**
 * Sets which of `model`'s weights train. A layer none of whose weights train
 * is frozen whole (batch norm then stops updating its moving statistics);
 * weights not in `candidates` (those statistics) are never made trainable.
 */
export function applyTrainable(model: tf.LayersModel, trainable: ReadonlySet<string>, candidates: ReadonlySet<string>): void {
  for (const layer of model.layers) {
    const own = layer.weights.filter((weight) => candidates.has(weightName(weight)));
    if (own.length === 0) continue;
    layer.trainable = own.some((weight) => trainable.has(weightName(weight)));
    for (const weight of own) weight.trainable = trainable.has(weightName(weight));
  }
}

/** Counts trainable and frozen parameters. */
export function freezeReport(weights: readonly WeightInfo[], candidates: ReadonlySet<string>): FreezeReport {
  const trainable = weights.filter((w) => w.trainable);
  const frozen = weights.filter((w) => !w.trainable && candidates.has(w.name));
  const sum = (list: readonly WeightInfo[]) => list.reduce((total, w) => total + w.size, 0);
  return {
    trainable: trainable.map((w) => w.name),
    frozen: frozen.map((w) => w.name),
    trainableParams: sum(trainable),
    frozenParams: sum(frozen),
    nonTrainableParams: sum(weights.filter((w) => !candidates.has(w.name))),
  };
}

/** The weights that can train at all: those trainable in a freshly built model. */
export function trainableCandidates(model: tf.LayersModel): Set<string> {
  return new Set(listWeights(model).filter((w) => w.trainable).map((w) => w.name));
}

/** One issue per fineTune pattern that selects no weight, listing the closest weight names. */
export function unmatchedPatterns(fineTune: FineTune | undefined, names: readonly string[]): ConfigIssue[] {
  return fineTunePatternLists(fineTune).flatMap(({ path, patterns }) =>
    patterns.flatMap((pattern, i) =>
      names.some((name) => patternSelects(pattern, name))
        ? []
        : [
            {
              path: [...path, i],
              message: `Pattern "${pattern}" matches no weight of the network.`,
              hint: `closest weight names: ${nearest(pattern, names, 5).map((n) => `"${n}"`).join(', ')}.`,
              check: 'patternsMatchWeights',
            },
          ],
    ),
  );
}
