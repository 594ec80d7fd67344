/**
 * Loading a sweep end to end, before any trial starts: read → structure (zod)
 * → the training job it varies (loaded and checked like any train_params) →
 * the sweep's cross-field checks → every trial's config, each checked in
 * full as the run would check it. Every problem is reported at once, in the
 * sweep file, at the swept path that caused it, naming the trials.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../errors.js';
import { formatSweepPath, parseSweepPath, withValueAt, type SweepPath } from '../../sweep/json-path.js';
import { expandSpace, type Assignment } from '../../sweep/space.js';
import { monitorMode } from '../../train/early-stopping.js';
import { runChecks } from '../checks.js';
import { describeValue, type ConfigIssue, type PathSegment } from '../issues.js';
import { checkPaths, loadTrainConfig, readDocument, type ConfigInput, type ConfigSource, type LoadOptions, type TrainConfig } from '../load.js';
import type { NetParams } from '../net/net-params.js';
import { parseConfig } from '../parse.js';
import { resolveFrom } from '../paths.js';
import type { TrainParams } from '../train/train-params.js';
import { contains, sweepChecks } from './checks.js';
import { SweepParams } from './sweep-params.js';

/** One trial's resolved configs (defaults applied, paths absolute), as it will run. */
export interface TrialConfig {
  /** 1-based. */
  trial: number;
  params: Assignment;
  train: TrainParams;
  net: NetParams;
}

/** A sweep ready to run. */
export interface SweepConfig {
  /** The sweep params with defaults applied; `trainParams` absolute. */
  sweep: SweepParams;
  source: ConfigSource;
  /** The job the trials vary, as loaded. */
  base: TrainConfig;
  experiment: string;
  metric: string;
  mode: 'min' | 'max';
  trials: TrialConfig[];
}

/** Loads and validates `sweep_params.json`, its training job and every trial; throws `ConfigError` listing every problem. */
export async function loadSweepConfig(input: ConfigInput, options: LoadOptions = {}): Promise<SweepConfig> {
  const cwd = options.cwd ?? process.cwd();
  const doc = await readDocument(input, cwd, options.roots);
  const file = doc.file;
  const parsed = parseConfig(SweepParams, doc.data, file);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const sweep = { ...parsed.value, trainParams: resolveFrom(file ? dirname(file) : cwd, parsed.value.trainParams) };
  const named = [{ key: ['trainParams'], value: sweep.trainParams, expected: 'a train_params.json', access: 'read' as const }];
  const missing = await checkPaths(named, file ? dirname(file) : cwd, file, options.roots);
  if (missing.length > 0) throw new ConfigError(missing);

  const base = await loadTrainConfig(sweep.trainParams, { cwd, ...(options.roots ? { roots: options.roots } : {}) });
  const monitor = base.train.training.earlyStopping?.monitor ?? 'val_loss';
  const metric = sweep.metric ?? monitor;
  const mode = monitorMode(metric, sweep.mode ?? (metric === monitor ? base.train.training.earlyStopping?.mode : undefined));
  const issues = runChecks(sweepChecks, { sweep, base, metric }, file);
  if (issues.length > 0) throw new ConfigError(issues);

  const experiment = sweep.experiment ?? base.train.experiment;
  const paths = Object.fromEntries(Object.keys(sweep.space).map((key) => [key, parseSweepPath(key) as SweepPath]));
  const trials: TrialConfig[] = [];
  const problems = new TrialProblems(file);
  for (const [i, params] of expandSpace(sweep.space, sweep.search).entries()) {
    const trial = i + 1;
    let train: unknown = { ...base.train, experiment, netParams: base.net };
    for (const [key, value] of Object.entries(params)) {
      const { root, path } = paths[key]!;
      train = withValueAt(train, root === 'train' ? path : ['netParams', ...path], value);
    }
    try {
      const loaded = await loadTrainConfig(train as Record<string, unknown>, { cwd: base.baseDir, ...(options.roots ? { roots: options.roots } : {}) });
      const untracked = metricUntracked(loaded.train, metric);
      if (untracked) problems.add(trial, params, paths, { path: ['training', 'metrics'], message: untracked });
      trials.push({ trial, params, train: loaded.train, net: loaded.net });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) problems.add(trial, params, paths, issue);
    }
  }
  if (problems.size > 0) throw new ConfigError(problems.issues());
  return { sweep, source: { ...(file ? { file } : {}), sha256: doc.sha256 }, base, experiment, metric, mode, trials };
}

/** Why a trial's config does not record `metric`, if it does not. */
function metricUntracked(train: TrainParams, metric: string): string | undefined {
  const name = metric.replace(/^val_/, '');
  if (name === 'loss' || (train.training.metrics as string[]).includes(name)) return undefined;
  return `Expected training.metrics to hold "${name}", which ranks the trials, but got ${describeValue(train.training.metrics)}.`;
}

/**
 * Problems of trial configs, as issues of the sweep file: each at the swept
 * path it concerns (or at `space` when it arises elsewhere, from values
 * together), once for all the trials it occurs in, with the swept values
 * those trials share.
 */
class TrialProblems {
  private readonly found = new Map<string, { issue: ConfigIssue; key?: string; trials: { trial: number; params: Assignment }[] }>();

  constructor(private readonly file: string | undefined) {}

  get size(): number {
    return this.found.size;
  }

  add(trial: number, params: Assignment, paths: Record<string, SweepPath>, issue: ConfigIssue): void {
    const at = trialPath(issue.path);
    const key = Object.keys(paths).find((candidate) => contains(paths[candidate]!, at) || contains(at, paths[candidate]!));
    const where = describePath(at);
    // A problem at a swept path is one per value; elsewhere, one per message.
    const id = `${key ?? ''}\n${where}\n${issue.message}\n${key ? JSON.stringify(params[key]) : ''}`;
    const seen = this.found.get(id);
    if (seen) {
      seen.trials.push({ trial, params });
      return;
    }
    this.found.set(id, {
      issue: {
        ...(this.file ? { file: this.file } : {}),
        path: key ? ['space', key] : ['space'],
        message: `${where === key ? '' : `${where}: `}${issue.message}`,
        hint: `${issue.hint ? `${issue.hint.replace(/\.$/, '')}; or ` : ''}change the values in space so every trial is a valid training job.`,
        ...(issue.check ? { check: issue.check } : {}),
      },
      ...(key ? { key } : {}),
      trials: [{ trial, params }],
    });
  }

  issues(): ConfigIssue[] {
    return [...this.found.values()].map(({ issue, key, trials }) => {
      const numbers = trials.map((t) => t.trial);
      const first = trials[0]!.params;
      const shared = Object.keys(first).filter((path) => (key ? path === key : trials.every((t) => JSON.stringify(t.params[path]) === JSON.stringify(first[path]))));
      const values = shared.map((path) => `${path} = ${describeValue(first[path])}`).join(', ');
      return { ...issue, message: `In ${numbers.length === 1 ? `trial ${numbers[0]}` : `trials ${numbers.join(', ')}`}${values ? ` (${values})` : ''}: ${issue.message}` };
    });
  }
}

/** Where a trial config's issue is, as a swept path: inline-net issues are under `netParams`. */
function trialPath(path: readonly PathSegment[]): SweepPath {
  return path[0] === 'netParams' ? { root: 'net', path: path.slice(1) } : { root: 'train', path: [...path] };
}

/** A trial path for messages: `train.training.epochsPerChunk`, or `train` / `net` for a whole document. */
function describePath(at: SweepPath): string {
  return at.path.length === 0 ? at.root : formatSweepPath(at);
}
