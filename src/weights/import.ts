/**
 * Weights from other frameworks, for `fineTune.pretrained` and `epochal
 * weights import`: a `.safetensors` file (a PyTorch `state_dict`, say) or a
 * Keras weights file (`keras.ts`), its names mapped to Epochal's by a mapping
 * file (`mapping.ts`), a built-in mapping by name (`builtin.ts`), or — with
 * none given — by whichever built-in mapping fits a state_dict best, else
 * taken as Epochal's. Weight-normalised convolutions are folded first
 * (`weight-norm.ts`). What comes back are tfjs tensors by Epochal weight name,
 * plus where each came from, for the compatibility report.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { WeightsFileError } from '../errors.js';
import { BUILTIN_MAPPINGS, builtinRules, isBuiltinMapping, type NetworkWeights } from './builtin.js';
import { isKerasWeights, readKerasWeights, type KerasFormat } from './keras.js';
import { mapToEpochal, ruleFor, WeightMapping, type FlatTensor, type MappingResult, type MappingRule } from './mapping.js';
import { readSafetensors, toFloat32 } from './safetensors.js';
import { foldWeightNorm } from './weight-norm.js';

/** How a file's tensors became Epochal weights, for the compatibility report. */
export interface ImportReport {
  /** The mapping file, the built-in mapping's name, or undefined when names were taken as they are. */
  mapping?: string;
  /** Each Epochal weight: the file's tensor it came from and the rule that mapped it. */
  mapped: { weight: string; from: string; rule: string }[];
  /** The file's tensors an ignore rule skipped. */
  ignored: string[];
  /** The file's tensors no rule matched. */
  unmapped: string[];
  /** The file's tensors whose shape does not fit their rule. */
  unfit: MappingResult['unfit'];
}

/** Whether `source` is a weights file this module imports (rather than a checkpoint or tfjs folder). */
export function isImportedWeights(source: string): boolean {
  return source.toLowerCase().endsWith('.safetensors') || isKerasWeights(source);
}

/** A weights file's tensors: floating-point ones as float32, and the names of the others (integer buffers). */
interface SourceTensors {
  floats: Map<string, FlatTensor>;
  others: string[];
  format: 'safetensors' | KerasFormat;
}

/**
 * The tensors of a weights file by Epochal weight name (dispose them), and how they were mapped: by `mapping`
 * (a mapping file or a built-in mapping's name); else, for a file of state_dict names (no "/"), by the built-in
 * mapping that leaves fewest tensors out; else as named.
 */
export async function importWeights(
  source: string,
  mapping: string | undefined,
  network: NetworkWeights,
): Promise<{ weights: Map<string, tf.Tensor>; report: ImportReport }> {
  const { floats, others, format } = await readSource(source);
  if (format === 'keras3' && !mapping) throw keras3NeedsMapping(source, floats);
  const { tensors, folded, problems } = foldWeightNorm(floats);
  const stateDict = format === 'safetensors' && [...floats.keys(), ...others].every((name) => !name.includes('/'));
  const candidates = await mappingCandidates(source, mapping, stateDict, network);
  const mapped = candidates.map(({ name, rules }) => ({ name, rules, result: mapToEpochal(tensors, rules) }));
  const best = mapped.reduce<(typeof mapped)[number] | undefined>((chosen, next) => (!chosen || leftOut(next.result) < leftOut(chosen.result) ? next : chosen), undefined);
  const result: MappingResult = best?.result ?? { weights: new Map([...tensors].map(([name, tensor]) => [name, { ...tensor, from: name, rule: 'as named in the file' }])), unmapped: [], ignored: [], unfit: [] };
  // Integer buffers (batch-norm's num_batches_tracked) are never weights: skipped by an ignore rule, else unmapped.
  const othersIgnored = best ? others.filter((name) => ruleFor(name, best.rules)?.ignore) : [];
  const from = (name: string) => (folded.has(name) ? folded.get(name)!.join(' + ') : name);
  const foldNote = (name: string) => (folded.has(name) ? ', weight norm folded' : '');
  return {
    weights: new Map([...result.weights].map(([name, weight]) => [name, tf.tensor(weight.values, weight.shape)] as const)),
    report: {
      ...(best ? { mapping: best.name } : {}),
      mapped: [...result.weights].map(([weight, tensor]) => ({ weight, from: from(tensor.from), rule: tensor.rule + foldNote(tensor.from) })),
      ignored: [...result.ignored, ...othersIgnored],
      unmapped: [...result.unmapped, ...others.filter((name) => !othersIgnored.includes(name))],
      unfit: [...problems.map(({ from, problem }) => ({ from, rule: 'weight norm', problem })), ...result.unfit],
    },
  };
}

const leftOut = (result: MappingResult) => result.unmapped.length + result.unfit.length;

async function readSource(source: string): Promise<SourceTensors> {
  if (isKerasWeights(source)) {
    const { tensors, others, format } = await readKerasWeights(source);
    return { floats: tensors, others, format };
  }
  const file = await readSafetensors(source);
  const floats = new Map<string, FlatTensor>();
  const others: string[] = [];
  for (const tensor of file.tensors.values()) {
    if (FLOAT_DTYPES.has(tensor.dtype)) floats.set(tensor.name, { shape: tensor.shape, values: toFloat32(tensor, source) });
    else others.push(tensor.name);
  }
  return { floats, others, format: 'safetensors' };
}

/** Keras 3 stores variables by position only, so nothing but a mapping can say which weight each is. */
function keras3NeedsMapping(source: string, tensors: ReadonlyMap<string, FlatTensor>): WeightsFileError {
  const listed = [...tensors].slice(0, 12).map(([name, tensor]) => `${name} ${JSON.stringify(tensor.shape)}`);
  const more = tensors.size > listed.length ? `, … and ${tensors.size - listed.length} more` : '';
  const example = tensors.keys().next().value ?? 'layers.dense.vars.0';
  return new WeightsFileError(
    `${source} is a Keras 3 weights file: it names variables by layer and position (${listed.join(', ')}${more}), not as Epochal names weights. ` +
      `Fix: write a mapping file with a rule for each ({"from": "${example}", "to": "<Epochal weight name>"}; \`epochal inspect <net_params.json> --weights\` lists the names) and set fineTune.pretrained.mapping (or --mapping) to it.`,
    source,
  );
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** The mappings to try: the one named, else every built-in one for a state_dict, else none (names as they are). */
async function mappingCandidates(source: string, mapping: string | undefined, stateDict: boolean, network: NetworkWeights): Promise<{ name: string; rules: MappingRule[] }[]> {
  if (mapping && isBuiltinMapping(mapping)) {
    const rules = builtinRules(mapping, network);
    if (!rules) {
      throw new WeightsFileError(
        `The built-in mapping ${mapping} is generated from the network's net_params.json, which this load of ${source} was not given. Fix: load it through fineTune.pretrained or epochal weights import --net, or write a mapping file.`,
        source,
      );
    }
    return [{ name: mapping, rules }];
  }
  if (mapping) return [{ name: mapping, rules: await readMapping(mapping) }];
  if (!stateDict) return [];
  return BUILTIN_MAPPINGS.flatMap((name) => {
    const rules = builtinRules(name, network);
    return rules ? [{ name, rules }] : [];
  });
}

/** Reads and validates a mapping file; problems name the file and the JSON path. */
export async function readMapping(file: string): Promise<MappingRule[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new WeightsFileError(`Cannot read the weight mapping ${file}: ${(error as Error).message}. Fix: point fineTune.pretrained.mapping at a JSON file of rules (README, "Weights from PyTorch").`, file);
  }
  const parsed = WeightMapping.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new WeightsFileError(`The weight mapping ${file} is invalid:\n  ${problems.join('\n  ')}`, file);
  }
  return parsed.data.rules;
}
