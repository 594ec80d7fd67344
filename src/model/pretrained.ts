/**
 * Pretrained weights (`fineTune.pretrained`): from an Epochal checkpoint, any
 * tfjs model folder, or a `.safetensors` file whose names a mapping turns into
 * Epochal's (`weights/import.ts`), matched to the network by weight name and shape. The
 * compatibility report says, weight by weight, what loaded and what did not;
 * the policy decides whether any mismatch is an error (strict) or the
 * unmatched weights keep their fresh initialisation (partial).
 */
import * as tf from '@tensorflow/tfjs';
import { assignWeights, matchWeights, type WeightMatch } from '../checkpoint/assign.js';
import { isCheckpoint, verifyCheckpoint } from '../checkpoint/checkpoint.js';
import { readFolderWeights } from '../checkpoint/tfjs-folder.js';
import { WeightsError, WeightsFileError } from '../errors.js';
import type { NetParams } from '../config/net/net-params.js';
import { isBuiltinMapping, type NetworkWeights } from '../weights/builtin.js';
import { importWeights, isImportedWeights, type ImportReport } from '../weights/import.js';

/** What a pretrained load did, weight by weight. */
export interface CompatibilityReport {
  source: string;
  policy: 'strict' | 'partial';
  /** Loaded: same name and shape. */
  matched: string[];
  /** In the network, not in the source: freshly initialised. */
  missing: { name: string; shape: number[] }[];
  /** In the source, not in the network: ignored. */
  unexpected: { name: string; shape: number[] }[];
  /** Same name, different shape: freshly initialised. */
  shapeMismatches: { name: string; expected: number[]; found: number[] }[];
  /** For a file of another framework's weights: the tensor and mapping rule behind each weight, and the tensors left out. */
  imported?: ImportReport;
}

/**
 * Loads the weights in `source` into `model` under `policy`. Strict: any
 * missing, unexpected or mismatched weight is a `WeightsError` naming them and
 * nothing is loaded. Partial: matching weights load and the report lists the
 * rest; when none matches it is a `WeightsError` too (a wrong path, not a fine-tune).
 */
export async function loadPretrained(
  model: tf.LayersModel,
  source: string,
  policy: 'strict' | 'partial',
  mapping?: string,
  net?: NetParams,
): Promise<CompatibilityReport> {
  if (await isCheckpoint(source)) await verifyCheckpoint(source);
  const network: NetworkWeights = { weights: model.weights.map((weight) => ({ name: weight.originalName, shape: weight.shape as number[] })), ...(net ? { net } : {}) };
  const { weights, imported } = await readWeights(source, mapping, network);
  try {
    if (imported && policy === 'strict') refuseLeftOut(source, imported);
    const report = compatibilityReport(source, policy, assignOrCheck(model, source, weights, policy));
    return imported ? { ...report, imported } : report;
  } finally {
    tf.dispose([...weights.values()]);
  }
}

/** Strict: every tensor of an imported file becomes a weight or is ignored by a rule; none is dropped silently. */
function refuseLeftOut(source: string, imported: ImportReport): void {
  const problems = [
    ...imported.unmapped.map((name) => ({ weight: name, problem: `${name}: no rule of ${imported.mapping ?? 'the mapping'} matches it` })),
    ...imported.unfit.map((item) => ({ weight: item.from, problem: `${item.from}: ${item.problem} (rule ${item.rule})` })),
  ];
  if (problems.length === 0) return;
  throw new WeightsError(
    `Tensors of ${source} map to no weight of the network (policy "strict"):${listed(problems.map((item) => item.problem))}\n` +
      `Fix: ${fixFor(imported.mapping)} ("ignore": true for buffers that are not weights), or set fineTune.pretrained.policy to "partial".`,
    source,
    problems,
  );
}

/** Where a rule for the left-out tensors goes: the mapping file, or a file of one's own in place of a built-in mapping. */
function fixFor(mapping: string | undefined): string {
  if (mapping === undefined) return 'write a mapping file with a rule for each and set fineTune.pretrained.mapping to it';
  if (isBuiltinMapping(mapping)) return `the built-in mapping ${mapping} does not fit this file: write a mapping file with a rule for each and set fineTune.pretrained.mapping to it`;
  return `add a rule for each to ${mapping}`;
}

function assignOrCheck(
  model: tf.LayersModel,
  source: string,
  weights: Map<string, tf.Tensor>,
  policy: 'strict' | 'partial',
): WeightMatch[] {
  // Check everything before changing anything.
  const preview = new Map([...weights].map(([name, tensor]) => [name, { shape: tensor.shape }]));
  const matches = matchWeights(model, preview);
  if (policy === 'partial') {
    if (!matches.some((match) => match.status === 'matched')) throw nothingMatched(source, model.name, weights.size, model.weights.length);
    return assignWeights(model, weights);
  }
  const problems = matches.filter((match) => match.status !== 'matched');
  if (problems.length > 0) throw strictError(source, model.name, problems);
  return assignWeights(model, weights);
}

async function readWeights(
  source: string,
  mapping: string | undefined,
  network: NetworkWeights,
): Promise<{ weights: Map<string, tf.Tensor>; imported?: ImportReport }> {
  try {
    if (isImportedWeights(source)) {
      const { weights, report } = await importWeights(source, mapping, network);
      return { weights, imported: report };
    }
    return { weights: await readFolderWeights(source) };
  } catch (error) {
    if (error instanceof WeightsError || error instanceof WeightsFileError) throw error;
    throw new WeightsError(
      `Cannot read pretrained weights from ${source} (${(error as Error).message}). ` +
        'Point fineTune.pretrained.path at an Epochal checkpoint, a tfjs model folder (model.json + weight files), a .safetensors file or Keras weights (.weights.h5, .h5, .keras).',
      source,
      [],
    );
  }
}

function nothingMatched(source: string, modelName: string, found: number, expected: number): WeightsError {
  return new WeightsError(
    `None of the ${found} pretrained weights in ${source} matches one of the ${expected} weights of network ${modelName} by name and shape (policy "partial"): ` +
      'fine-tuning would start from scratch. Fix: point fineTune.pretrained.path at weights of this network (or one sharing its block names; ' +
      '`epochal inspect <net_params.json> --weights` lists them), or remove fineTune.pretrained to train from scratch on purpose.',
    source,
    [],
  );
}

function strictError(source: string, modelName: string, problems: WeightMatch[]): WeightsError {
  const describe = (match: WeightMatch) =>
    match.status === 'missing'
      ? `${match.name}: missing from the pretrained weights`
      : match.status === 'unexpected'
        ? `${match.name}: not in network ${modelName}`
        : `${match.name}: shape ${JSON.stringify(match.found)} where the network has ${JSON.stringify(match.expected)}`;
  return new WeightsError(
    `Pretrained weights in ${source} do not fit network ${modelName} (policy "strict"):${listed(problems.map(describe))}\n` +
      'Fix: use weights from the same architecture, or set fineTune.pretrained.policy to "partial" to load what matches.',
    source,
    problems.map((match) => ({ weight: match.name, problem: describe(match) })),
  );
}

function compatibilityReport(source: string, policy: 'strict' | 'partial', matches: WeightMatch[]): CompatibilityReport {
  return {
    source,
    policy,
    matched: matches.filter((m) => m.status === 'matched').map((m) => m.name),
    missing: matches.filter((m) => m.status === 'missing').map((m) => ({ name: m.name, shape: m.expected! })),
    unexpected: matches.filter((m) => m.status === 'unexpected').map((m) => ({ name: m.name, shape: m.found! })),
    shapeMismatches: matches
      .filter((m) => m.status === 'shapeMismatch')
      .map((m) => ({ name: m.name, expected: m.expected!, found: m.found! })),
  };
}

/** The first ten `lines`, indented on lines of their own, and how many more there are. */
function listed(lines: readonly string[]): string {
  const more = lines.length > 10 ? `\n  … and ${lines.length - 10} more` : '';
  return `\n  ${lines.slice(0, 10).join('\n  ')}${more}`;
}
