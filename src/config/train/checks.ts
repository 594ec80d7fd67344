/** Cross-field checks of a structurally valid `train_params.json`, together with its network. */
import picomatch from 'picomatch';
import type { Check } from '../checks.js';
import { MASK_FIELD, MAX_NIGHT_SAMPLES, sourceFields } from '../data/sources.js';
import { didYouMean, nearest, type ConfigIssue, type PathSegment } from '../issues.js';
import type { NetParams } from '../net/net-params.js';
import { fineTunePatternLists } from './fine-tune.js';
import type { TrainParams } from './train-params.js';

/** What train checks look at: the job, and its network when that parsed. */
export interface TrainContext {
  train: TrainParams;
  net?: NetParams;
  /** Places an issue found in the network: in its own file, or under `netParams` when it is inline. */
  inNet: (path: PathSegment[]) => Pick<ConfigIssue, 'file' | 'path'>;
}

const chunkWithinBudget: Check<TrainContext> = {
  name: 'chunkWithinBudget',
  run: ({ train: { training } }) =>
    training.epochsPerChunk > training.epochs
      ? [
          {
            path: ['training', 'epochsPerChunk'],
            message: `Expected at most training.epochs (${training.epochs}), but got ${training.epochsPerChunk}.`,
            hint: `lower epochsPerChunk to ${training.epochs} or less, or raise epochs.`,
          },
        ]
      : [],
};

const splitAddsUp: Check<TrainContext> = {
  name: 'splitAddsUp',
  run: ({ train }) => {
    const { train: fit, validation, test } = train.data.split;
    const issues: ConfigIssue[] = [];
    if (Math.abs(fit + validation + test - 1) > 1e-6) {
      issues.push({
        path: ['data', 'split'],
        message: `Expected train + validation + test to be 1, but got ${+(fit + validation + test).toFixed(6)}.`,
        hint: 'adjust the fractions so they add up to 1.',
      });
    }
    if (fit === 0) {
      issues.push({ path: ['data', 'split', 'train'], message: 'Expected a train fraction above 0, but got 0.' });
    }
    return issues;
  },
};

const monitorIsTracked: Check<TrainContext> = {
  name: 'monitorIsTracked',
  run: ({ train: { training } }) => {
    const monitor = training.earlyStopping?.monitor;
    const metric = monitor?.startsWith('val_') ? monitor.slice(4) : undefined;
    if (!metric || metric === 'loss' || (training.metrics as string[]).includes(metric)) return [];
    return [
      {
        path: ['training', 'earlyStopping', 'monitor'],
        message: `Expected a tracked metric, but "${metric}" is not in training.metrics.`,
        hint: `add "${metric}" to training.metrics, or monitor "val_loss".`,
      },
    ];
  },
};

const classWeightsMatchClasses: Check<TrainContext> = {
  name: 'classWeightsMatchClasses',
  run: ({ train: { data } }) => {
    const weights = data.preprocessing.classWeights;
    return Array.isArray(weights) && weights.length !== data.classes.length
      ? [
          {
            path: ['data', 'preprocessing', 'classWeights'],
            message: `Expected one weight per class (${data.classes.length}), but got ${weights.length}.`,
            hint: 'list a weight for each name in data.classes, in the same order.',
          },
        ]
      : [];
  },
};

const nightLengths: Check<TrainContext> = {
  name: 'nightLengths',
  run: ({ train: { data } }) => {
    if (data.source.type !== 'syntheticEcg') return [];
    const { nightEpochs, epochSeconds, samplingRateHz } = data.source;
    if (nightEpochs.min > nightEpochs.max) {
      return [{ path: ['data', 'source', 'nightEpochs'], message: `Expected min ≤ max, but got min ${nightEpochs.min} and max ${nightEpochs.max}.`, hint: 'swap the two values.' }];
    }
    const samples = nightEpochs.max * epochSeconds * samplingRateHz;
    return samples > MAX_NIGHT_SAMPLES
      ? [
          {
            path: ['data', 'source', 'nightEpochs', 'max'],
            message: `Expected a night of at most ${MAX_NIGHT_SAMPLES} samples, but nightEpochs.max × epochSeconds × samplingRateHz = ${nightEpochs.max} × ${epochSeconds} × ${samplingRateHz} = ${samples}.`,
            hint: 'lower nightEpochs.max, epochSeconds or samplingRateHz.',
          },
        ]
      : [];
  },
};

const sourceHasLabels: Check<TrainContext> = {
  name: 'sourceHasLabels',
  run: ({ train: { data } }) => {
    const source = data.source;
    const missing =
      ((source.type === 'csv' || source.type === 'jsonl') && !source.label && 'label') ||
      (source.type === 'npy' && !source.labels && 'labels') ||
      (source.type === 'npz' && !source.keys.labels && 'keys.labels');
    if (!missing) return [];
    return [
      {
        path: ['data', 'source', ...missing.split('.')],
        message: 'Missing required key for training: the labels to learn from.',
        hint: source.type === 'csv' || source.type === 'jsonl' ? 'name the label column.' : 'name the label array.',
      },
    ];
  },
};

const inputsAreFed: Check<TrainContext> = {
  name: 'inputsAreFed',
  run: ({ train: { data }, net }) => {
    if (!net) return [];
    const { fields, target } = sourceFields(data.source);
    const netInputs = Object.keys(net.inputs);
    const issues: ConfigIssue[] = Object.keys(data.inputs)
      .filter((name) => !netInputs.includes(name))
      .map((name) => {
        const suggestion = didYouMean(name, netInputs);
        return {
          path: ['data', 'inputs', name],
          message: `Expected the name of a model input, but the network has no input "${name}".`,
          hint: suggestion ? `did you mean "${suggestion}"?` : `model inputs are ${netInputs.map((n) => `"${n}"`).join(', ')}.`,
        };
      });
    if (fields === 'dynamic') return issues;
    for (const name of netInputs) {
      const field = data.inputs[name] ?? name;
      if (fields.includes(field)) continue;
      const mapped = name in data.inputs;
      const suggestion = didYouMean(field, fields);
      issues.push({
        path: mapped ? ['data', 'inputs', name] : ['data', 'inputs'],
        message: `Model input "${name}" reads field "${field}", which a ${data.source.type} source does not provide.`,
        hint: `map it in data.inputs to one of ${fields.map((f) => `"${f}"`).join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}.`,
      });
    }
    const targetField = data.target ?? target;
    if (!fields.includes(targetField)) {
      issues.push({
        path: ['data', 'target'],
        message: `Expected a field of the ${data.source.type} source, but got "${targetField}".`,
        hint: `use one of ${fields.map((f) => `"${f}"`).join(', ')}.`,
      });
    }
    return issues;
  },
};

/**
 * With padded sequences (a net input fed by the `mask` field), every block
 * that mixes steps must know the mask, else padding reaches real steps and
 * predictions depend on the batch a sequence is in.
 */
const sequencesAreMasked: Check<TrainContext> = {
  name: 'sequencesAreMasked',
  run: ({ train: { data }, net, inNet }) => {
    if (!net) return [];
    const mask = Object.keys(net.inputs).find((name) => (data.inputs[name] ?? name) === MASK_FIELD);
    if (!mask) return [];
    const why = `sequences are padded to the batch's longest, and without the mask padded steps flow into real ones (results would depend on the batch)`;
    return Object.entries(net.blocks).flatMap(([name, block]): ConfigIssue[] => {
      const needsMask =
        (block.type === 'tcn' && block.padding === 'same') || block.type === 'timeDistributed' || block.type === 'globalPool1d';
      if (needsMask && block.mask === undefined) {
        return [{ ...inNet(['blocks', name]), message: `Expected block "${name}" (${block.type}) to name the padding mask: ${why}.`, hint: `add "mask": "${mask}" to it.` }];
      }
      if (block.type === 'pool1d' || block.type === 'adaptivePool1d') {
        return [
          {
            ...inNet(['blocks', name, 'type']),
            message: `Expected a block that can skip padded steps, but ${block.type} "${name}" pools across them: ${why}.`,
            hint: `use globalPool1d with "mask": "${mask}", or pool inside a timeDistributed block.`,
          },
        ];
      }
      return [];
    });
  },
};

const headMatchesClasses: Check<TrainContext> = {
  name: 'headMatchesClasses',
  run: ({ train: { data }, net, inNet }) => {
    if (!net) return [];
    return net.outputs.flatMap((name, i) => {
      const block = net.blocks[name];
      if (block?.type !== 'head' || block.activation !== 'softmax' || block.units === data.classes.length) return [];
      return [
        {
          ...inNet(['blocks', name, 'units']),
          message: `Expected ${data.classes.length} units, one per class in data.classes, but got ${block.units}.`,
          hint: `set units to ${data.classes.length}, or fix data.classes (output ${i}).`,
        },
      ];
    });
  },
};

const patternsMatchBlocks: Check<TrainContext> = {
  name: 'patternsMatchBlocks',
  run: ({ train, net }) => {
    if (!net) return [];
    const blocks = Object.keys(net.blocks);
    return fineTunePatternLists(train.fineTune).flatMap(({ path, patterns }) =>
      patterns.flatMap((pattern, i) => {
        const head = pattern.split('/')[0]!;
        if (blocks.some((block) => picomatch.isMatch(block, head))) return [];
        return [
          {
            path: [...path, i],
            message: `Pattern "${pattern}" matches no weight: no block is named "${head}".`,
            hint: `weights are named <block>/<layer>/<weight>; closest blocks: ${nearest(head, blocks)
              .map((b) => `"${b}"`)
              .join(', ')}.`,
          },
        ];
      }),
    );
  },
};

const freezeIsUnambiguous: Check<TrainContext> = {
  name: 'freezeIsUnambiguous',
  run: ({ train }) =>
    train.fineTune?.trainable && train.fineTune.frozen
      ? [
          {
            path: ['fineTune', 'frozen'],
            message: 'Expected either fineTune.trainable or fineTune.frozen, but got both.',
            hint: 'list what trains (trainable) or what is frozen (frozen), not both.',
          },
        ]
      : [],
};

const unfreezeScheduleInBudget: Check<TrainContext> = {
  name: 'unfreezeScheduleInBudget',
  run: ({ train }) =>
    (train.fineTune?.unfreezeSchedule ?? []).flatMap((step, i, steps): ConfigIssue[] => {
      const path = ['fineTune', 'unfreezeSchedule', i, 'atEpoch'];
      if (step.atEpoch > train.training.epochs) {
        return [
          {
            path,
            message: `Expected an epoch within training.epochs (${train.training.epochs}), but got ${step.atEpoch}.`,
            hint: 'move the step earlier or raise training.epochs.',
          },
        ];
      }
      const previous = steps[i - 1];
      if (previous && step.atEpoch <= previous.atEpoch) {
        return [
          {
            path,
            message: `Expected epochs in increasing order, but ${step.atEpoch} follows ${previous.atEpoch}.`,
            hint: 'sort the schedule by atEpoch; merge steps that share an epoch.',
          },
        ];
      }
      return [];
    }),
};

const microBatchWithinBatch: Check<TrainContext> = {
  name: 'microBatchWithinBatch',
  run: ({ train: { training } }) =>
    typeof training.microBatchSize === 'number' && training.microBatchSize > training.batchSize
      ? [
          {
            path: ['training', 'microBatchSize'],
            message: `Expected at most training.batchSize (${training.batchSize}), but got ${training.microBatchSize}.`,
            hint: `lower microBatchSize to ${training.batchSize} or less (or remove it to run the whole batch in one pass).`,
          },
        ]
      : [],
};

/** All train_params cross-field checks, in the order they run. */
export const trainChecks: readonly Check<TrainContext>[] = [
  chunkWithinBudget,
  microBatchWithinBatch,
  splitAddsUp,
  monitorIsTracked,
  classWeightsMatchClasses,
  nightLengths,
  sourceHasLabels,
  inputsAreFed,
  sequencesAreMasked,
  headMatchesClasses,
  freezeIsUnambiguous,
  patternsMatchBlocks,
  unfreezeScheduleInBudget,
];
