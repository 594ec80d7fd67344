/**
 * Cross-field checks of a structurally valid `sweep_params.json`, together
 * with the training job it varies (train params with defaults applied, and
 * the network). Trial configs are checked afterwards, one by one, in `load.ts`.
 */
import { gridSize, gridValues } from '../../sweep/space.js';
import { formatSweepPath, missingAt, parseSweepPath, type SweepPath } from '../../sweep/json-path.js';
import type { Check } from '../checks.js';
import type { ConfigIssue } from '../issues.js';
import type { TrainConfig } from '../load.js';
import { MAX_TRIALS, type SweepParams } from './sweep-params.js';

/** What sweep checks look at. */
export interface SweepContext {
  sweep: SweepParams;
  base: TrainConfig;
  /** The metric trials are ranked by (the sweep's, or the job's monitored one). */
  metric: string;
}

/** The most metric values a sweep keeps (trials × epochs): its trial curves travel in its workflow history. */
export const MAX_CURVE_POINTS = 50_000;

/** Keys a sweep sets itself, or that would make trials other jobs. */
const NOT_SWEPT: Record<string, string> = {
  'train.netParams': 'sweep values of the network itself (net.…), or run one sweep per network file',
  'train.experiment': 'set the sweep\'s own "experiment"; every trial belongs to it',
  'train.artifactRoot': "trials write under the base train_params' artifact root; change it there",
};

const pathsLeadSomewhere: Check<SweepContext> = {
  name: 'pathsLeadSomewhere',
  run: ({ sweep, base }) =>
    Object.keys(sweep.space).flatMap((key): ConfigIssue[] => {
      const parsed = parseSweepPath(key);
      const example = 'like train.training.optimizer.learningRate or net.blocks.hidden.units';
      if (typeof parsed === 'string') {
        return [{ path: ['space', key], message: `Expected a JSON path into the train or net params (${example}), but ${parsed}.`, hint: 'start it with "train." or "net." and write each step as .key, [index] or ["key"].' }];
      }
      const written = formatSweepPath(parsed);
      if (NOT_SWEPT[written]) return [{ path: ['space', key], message: `Expected a value the trials may vary, but ${written} is the same for every trial.`, hint: `${NOT_SWEPT[written]}.` }];
      const document = parsed.root === 'train' ? base.train : base.net;
      const problem = missingAt(document, parsed.path);
      if (!problem) return [];
      const file = parsed.root === 'train' ? 'train_params' : 'net_params';
      return [
        {
          path: ['space', key],
          message: `Expected ${key} to name a value of the ${file}${parsed.root === 'train' ? ' (defaults applied)' : ''}, but ${problem}.`,
          hint: `correct the path, or first add the key to ${parsed.root === 'train' ? (base.sources.train.file ?? 'the train params') : (base.sources.net.file ?? 'the inline netParams')} so the sweep can vary it.`,
        },
      ];
    }),
};

const pathsAreDisjoint: Check<SweepContext> = {
  name: 'pathsAreDisjoint',
  run: ({ sweep }) => {
    const parsed = Object.keys(sweep.space)
      .map((key) => ({ key, path: parseSweepPath(key) }))
      .filter((entry): entry is { key: string; path: SweepPath } => typeof entry.path !== 'string');
    return parsed.flatMap(({ key, path }) => {
      const outer = parsed.find((other) => other.key !== key && contains(other.path, path));
      return outer
        ? [{ path: ['space', key], message: `Expected paths that do not overlap, but ${key} lies inside ${outer.key}, which is swept too.`, hint: `sweep either ${outer.key} or ${key}.` }]
        : [];
    });
  },
};

const gridIsFinite: Check<SweepContext> = {
  name: 'gridIsFinite',
  run: ({ sweep }) => {
    if (sweep.search.type !== 'grid') return [];
    const ranges = Object.entries(sweep.space).filter(([, dimension]) => !gridValues(dimension));
    if (ranges.length > 0) {
      return ranges.map(([key, dimension]) => ({
        path: ['space', key, dimension.uniform ? 'uniform' : 'logUniform'],
        message: 'Expected values a grid can list (values, or an int range), but got a float range.',
        hint: 'list the values to try, or use "search": { "type": "random", "trials": N }.',
      }));
    }
    const size = gridSize(sweep.space);
    return size > MAX_TRIALS
      ? [{ path: ['space'], message: `Expected a grid of at most ${MAX_TRIALS} trials, but the space has ${Object.values(sweep.space).map((d) => gridValues(d)!.length).join(' × ')} = ${size}.`, hint: 'list fewer values, or draw some trials with "search": { "type": "random", "trials": N }.' }]
      : [];
  },
};

const metricIsRecorded: Check<SweepContext> = {
  name: 'metricIsRecorded',
  run: ({ sweep, base: { train }, metric }) => {
    const at = sweep.metric ? ['metric'] : ['trainParams'];
    const named = sweep.metric ? `metric "${metric}"` : `the monitored metric "${metric}" (train_params' training.earlyStopping.monitor, or val_loss)`;
    if (metric.startsWith('val_') && train.data.split.validation === 0) {
      return [{ path: at, message: `Expected a metric the trials record, but ${named} is a validation metric and data.split.validation is 0.`, hint: 'give the validation split a share, or rank trials by "loss".' }];
    }
    const name = metric.replace(/^val_/, '');
    if (name === 'loss' || (train.training.metrics as string[]).includes(name)) return [];
    return [{ path: at, message: `Expected a metric the trials record, but "${name}" is not in training.metrics of ${train.experiment}'s train_params.`, hint: `add "${name}" to training.metrics, or rank by val_loss.` }];
  },
};

const curvesFitHistory: Check<SweepContext> = {
  name: 'curvesFitHistory',
  run: ({ sweep, base: { train } }) => {
    const trials = sweep.search.type === 'random' ? sweep.search.trials : gridSize(sweep.space);
    const swept = Object.entries(sweep.space).find(([key]) => key === 'train.training.epochs');
    const epochs = Math.max(train.training.epochs, ...((swept && gridValues(swept[1])) ?? []).filter((v): v is number => typeof v === 'number'), swept?.[1].int?.[1] ?? 0);
    const points = trials * epochs;
    if (!Number.isFinite(points) || points <= MAX_CURVE_POINTS) return [];
    return [{ path: ['space'], message: `Expected trials × epochs of at most ${MAX_CURVE_POINTS} (the sweep keeps every trial's curve), but got ${trials} × ${epochs} = ${points}.`, hint: 'run fewer trials, or fewer epochs per trial.' }];
  },
};

/** All sweep cross-field checks, in the order they run. */
export const sweepChecks: readonly Check<SweepContext>[] = [pathsLeadSomewhere, pathsAreDisjoint, gridIsFinite, metricIsRecorded, curvesFitHistory];

/** Whether `inner` is `outer` or lies below it. */
export function contains(outer: SweepPath, inner: SweepPath): boolean {
  return outer.root === inner.root && outer.path.length <= inner.path.length && outer.path.every((segment, i) => inner.path[i] === segment);
}
