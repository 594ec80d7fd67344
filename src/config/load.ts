/**
 * Loading configs end to end: read (file or inline object) → structure (zod)
 * → named cross-field checks → path resolution, confinement (on workers: see
 * `roots.ts`) and existence. Every problem in every file is collected and
 * thrown at once as a `ConfigError`.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { runChecks } from './checks.js';
import { mapSourcePaths, sourcePaths, type DataSource } from './data/sources.js';
import { InferParams } from './infer/infer-params.js';
import type { ConfigIssue, PathSegment } from './issues.js';
import { netChecks, wiringChecks } from './net/checks.js';
import { NetParams } from './net/net-params.js';
import { parseConfig } from './parse.js';
import { missingPaths, resolveFrom, type NamedPath } from './paths.js';
import { allowed, ROOTS_HELP, type Access, type Roots } from './roots.js';
import { inlineDocument, readJsonConfig, type ConfigDocument } from './read-json.js';
import { trainChecks } from './train/checks.js';
import { isBuiltinMapping } from './train/fine-tune.js';
import { TrainParams } from './train/train-params.js';

/** Where a config came from: its absolute file (absent when inline) and content hash. */
export type ConfigSource = Omit<ConfigDocument, 'data'>;

/** A training job ready to run: defaults applied, every path absolute, the network loaded. */
export interface TrainConfig {
  /** train_params with defaults applied and all paths absolute; `netParams` is the net file, or the inline net. */
  train: TrainParams;
  net: NetParams;
  /** Folder relative paths were resolved against. */
  baseDir: string;
  sources: { train: ConfigSource; net: ConfigSource };
}

/** A network definition ready to build. */
export interface NetConfig {
  net: NetParams;
  source: ConfigSource;
}

/** An inference job ready to run: defaults applied, every path absolute. */
export interface InferConfig {
  infer: InferParams;
  baseDir: string;
  source: ConfigSource;
}

/** What a config is given as: a path to a JSON file, or the parsed object itself. */
export type ConfigInput = string | Record<string, unknown>;

/** Options for loading; `cwd` resolves a relative config path and the paths inside an inline config. */
export interface LoadOptions {
  cwd?: string;
  /** The folders this process may read and write (a worker's); every path is checked against them before it is opened. */
  roots?: Roots;
  /**
   * A run's config snapshot, validated when the run began: the files it names
   * (data, pretrained weights) are not looked for again, since a stage on
   * another machine uses the prepared data and checkpoints instead.
   */
  snapshot?: boolean;
}

/** Loads and validates `train_params.json` and the network it names; throws `ConfigError` listing every problem. */
export async function loadTrainConfig(input: ConfigInput, options: LoadOptions = {}): Promise<TrainConfig> {
  const cwd = options.cwd ?? process.cwd();
  const doc = await readDocument(input, cwd, options.roots);
  const baseDir = doc.file ? dirname(doc.file) : cwd;
  const parsed = parseConfig(TrainParams, doc.data, doc.file);
  const issues: ConfigIssue[] = parsed.ok ? [] : [...parsed.issues];

  const netRef = (doc.data as { netParams?: unknown } | undefined)?.netParams;
  const netResult = await loadReferencedNet(netRef, baseDir, doc.file, options.roots);
  issues.push(...netResult.issues);

  if (!parsed.ok) throw new ConfigError(issues);
  const train = resolveTrainPaths(parsed.value, baseDir, netResult.source?.file);
  const netFile = netResult.source?.file;
  const inNet = (path: PathSegment[]) => (netFile ? { file: netFile, path } : { path: ['netParams', ...path] });
  issues.push(...runChecks(trainChecks, { train, net: netResult.net, inNet }, doc.file));
  if (!options.snapshot) issues.push(...(await checkPaths(trainPaths(train), baseDir, doc.file, options.roots)));
  if (issues.length > 0 || !netResult.net || !netResult.source) throw new ConfigError(issues);
  return { train, net: netResult.net, baseDir, sources: { train: withoutData(doc), net: netResult.source } };
}

/** Loads a run's config snapshot (see `LoadOptions.snapshot`). */
export function loadSnapshotConfig(trainParams: string): Promise<TrainConfig> {
  return loadTrainConfig(trainParams, { snapshot: true });
}

/** Loads and validates one `net_params.json`; throws `ConfigError` listing every problem. */
export async function loadNetConfig(input: ConfigInput, options: LoadOptions = {}): Promise<NetConfig> {
  const doc = await readDocument(input, options.cwd ?? process.cwd(), options.roots);
  const { net, issues } = validateNet(doc.data, doc.file, []);
  if (!net) throw new ConfigError(issues);
  return { net, source: withoutData(doc) };
}

/** Loads and validates `infer_params.json`; throws `ConfigError` listing every problem. */
export async function loadInferConfig(input: ConfigInput, options: LoadOptions = {}): Promise<InferConfig> {
  const cwd = options.cwd ?? process.cwd();
  const doc = await readDocument(input, cwd, options.roots);
  const baseDir = doc.file ? dirname(doc.file) : cwd;
  const parsed = parseConfig(InferParams, doc.data, doc.file);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const infer = resolveInferPaths(parsed.value, baseDir);
  const issues = await checkPaths(inferPaths(infer), baseDir, doc.file, options.roots);
  if (issues.length > 0) throw new ConfigError(issues);
  return { infer, baseDir, source: withoutData(doc) };
}

/** Reads a config given as a path (checked against `roots` first) or as the object itself. */
export async function readDocument(input: ConfigInput, cwd: string, roots: Roots | undefined): Promise<ConfigDocument> {
  if (typeof input !== 'string') return inlineDocument(input);
  const file = resolve(cwd, input);
  if (roots && !(await allowed(file, 'read', roots))) {
    throw new ConfigError([outsideIssue({ key: [], value: file, expected: 'a config file', access: 'read' }, file, roots)]);
  }
  const outcome = await readJsonConfig(file);
  if (!outcome.ok) throw new ConfigError(outcome.issues);
  return outcome.doc;
}

/** Loads the net that train_params names (a path or an inline object), collecting its problems. */
async function loadReferencedNet(
  ref: unknown,
  baseDir: string,
  trainFile: string | undefined,
  roots: Roots | undefined,
): Promise<{ net?: NetParams; source?: ConfigSource; issues: ConfigIssue[] }> {
  if (typeof ref === 'string' && ref.length > 0) {
    const file = resolveFrom(baseDir, ref);
    const named = { key: ['netParams'], value: file, expected: 'a net_params.json', access: 'read' as const };
    if (roots && !(await allowed(file, 'read', roots))) return { issues: [outsideIssue(named, trainFile, roots)] };
    const read = await readJsonConfig(file, { ...(trainFile ? { file: trainFile } : {}), path: ['netParams'] });
    if (!read.ok) return { issues: read.issues };
    const { net, issues } = validateNet(read.doc.data, read.doc.file, []);
    return { ...(net ? { net } : {}), source: withoutData(read.doc), issues };
  }
  if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    const doc = inlineDocument(ref);
    const { net, issues } = validateNet(ref, trainFile, ['netParams']);
    return { ...(net ? { net } : {}), source: withoutData(doc), issues };
  }
  return { issues: [] }; // a missing or mistyped netParams is reported by the train_params schema
}

/** Structure, then cross-field checks, of one network; issue paths are prefixed when the net is inline. */
function validateNet(data: unknown, file: string | undefined, prefix: PathSegment[]): { net?: NetParams; issues: ConfigIssue[] } {
  const parsed = parseConfig(NetParams, data, file);
  const issues = parsed.ok ? runChecks(netChecks, parsed.value, file) : [...parsed.issues, ...wiringOfInvalidNet(data, parsed.issues, file)];
  const placed = issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
  return parsed.ok && issues.length === 0 ? { net: parsed.value, issues: [] } : { issues: placed };
}

/**
 * The wiring checks on a network whose structure failed: each reads only
 * names and references, so it runs on the raw JSON; a check the broken
 * structure trips up is skipped, and a block (or output) whose own structure
 * is already reported is not judged for its wiring too.
 */
function wiringOfInvalidNet(data: unknown, structural: readonly ConfigIssue[], file: string | undefined): ConfigIssue[] {
  const startsWith = (path: readonly PathSegment[], prefix: readonly PathSegment[]) => prefix.every((segment, i) => path[i] === segment);
  const alreadyReported = (issue: ConfigIssue) => {
    const owner = issue.path.slice(0, -1); // the block (or output) the wiring problem is in
    return structural.some((reported) => startsWith(reported.path, owner) || startsWith(issue.path, reported.path));
  };
  return wiringChecks.flatMap((check) => {
    try {
      return runChecks([check], data as NetParams, file).filter((issue) => !alreadyReported(issue));
    } catch {
      return [];
    }
  });
}

function resolveTrainPaths(train: TrainParams, baseDir: string, netFile: string | undefined): TrainParams {
  const at = (path: string) => resolveFrom(baseDir, path);
  return {
    ...train,
    ...(netFile ? { netParams: netFile } : {}),
    ...(train.artifactRoot ? { artifactRoot: at(train.artifactRoot) } : {}),
    data: { ...train.data, source: mapSourcePaths(train.data.source, at) },
    ...(train.fineTune?.pretrained
      ? {
          fineTune: {
            ...train.fineTune,
            pretrained: {
              ...train.fineTune.pretrained,
              path: at(train.fineTune.pretrained.path),
              ...(train.fineTune.pretrained.mapping && !isBuiltinMapping(train.fineTune.pretrained.mapping) ? { mapping: at(train.fineTune.pretrained.mapping) } : {}),
            },
          },
        }
      : {}),
  };
}

function resolveInferPaths(infer: InferParams, baseDir: string): InferParams {
  const at = (path: string) => resolveFrom(baseDir, path);
  return {
    ...infer,
    model: infer.model.type === 'champion' ? infer.model : { ...infer.model, path: at(infer.model.path) },
    data: { ...infer.data, source: mapSourcePaths(infer.data.source, at) },
    output: { ...infer.output, path: at(infer.output.path) },
    ...(infer.artifactRoot ? { artifactRoot: at(infer.artifactRoot) } : {}),
  };
}

/** A path a config names, and whether the job reads it (it must exist) or writes there. */
export type UsedPath = NamedPath & { access: Access };

function dataPaths(source: DataSource, prefix: PathSegment[]): UsedPath[] {
  return sourcePaths(source).map(({ key, value }) => ({ key: [...prefix, ...key], value, expected: 'a data file', access: 'read' }));
}

function artifactRootPath(artifactRoot: string | undefined): UsedPath[] {
  return artifactRoot ? [{ key: ['artifactRoot'], value: artifactRoot, expected: 'an artifact folder', access: 'write' }] : [];
}

function trainPaths(train: TrainParams): UsedPath[] {
  const pretrained = train.fineTune?.pretrained;
  return [
    ...dataPaths(train.data.source, ['data', 'source']),
    ...(pretrained
      ? [
          { key: ['fineTune', 'pretrained', 'path'], value: pretrained.path, expected: 'a checkpoint, tfjs model folder, .safetensors file or Keras weights', access: 'read' as const },
          ...(pretrained.mapping && !isBuiltinMapping(pretrained.mapping) ? [{ key: ['fineTune', 'pretrained', 'mapping'], value: pretrained.mapping, expected: 'a weight mapping (JSON)', access: 'read' as const }] : []),
        ]
      : []),
    ...artifactRootPath(train.artifactRoot),
  ];
}

function inferPaths(infer: InferParams): UsedPath[] {
  const model = infer.model;
  return [
    ...dataPaths(infer.data.source, ['data', 'source']),
    ...(model.type === 'champion' ? [] : [{ key: ['model', 'path'], value: model.path, expected: `a ${model.type} model folder`, access: 'read' as const }]),
    { key: ['output', 'path'], value: infer.output.path, expected: 'an output folder', access: 'write' },
    ...artifactRootPath(infer.artifactRoot),
  ];
}

/**
 * Paths outside the roots (when there are roots), then paths to read that do
 * not exist. Whether a path outside exists is never looked at or said.
 */
export async function checkPaths(paths: readonly UsedPath[], baseDir: string, file: string | undefined, roots: Roots | undefined): Promise<ConfigIssue[]> {
  const outside = roots ? await asyncFilter(paths, async (named) => !(await allowed(named.value, named.access, roots))) : [];
  const reads = paths.filter((named) => named.access === 'read' && !outside.includes(named));
  return [...outside.map((named) => outsideIssue(named, file, roots!)), ...(await missingPaths(reads, baseDir, file))];
}

function outsideIssue(named: UsedPath, file: string | undefined, roots: Roots): ConfigIssue {
  const verb = named.access === 'read' ? 'read' : 'write to';
  return {
    ...(file ? { file } : {}),
    path: named.key,
    message: `Expected ${named.expected} inside the folders this worker may ${verb} (${roots[named.access].join(', ')}), but ${named.value} is outside them.`,
    hint: `use a path inside them, or ${ROOTS_HELP[named.access]}.`,
  };
}

async function asyncFilter<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept = await Promise.all(items.map(keep));
  return items.filter((_, i) => kept[i]);
}

function withoutData(doc: ConfigDocument): ConfigSource {
  return { ...(doc.file ? { file: doc.file } : {}), sha256: doc.sha256 };
}
