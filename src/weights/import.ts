/**
 * Weights from other frameworks for `fineTune.pretrained`: a `.safetensors`
 * file (a PyTorch `state_dict`, say), its names mapped to Epochal's by a
 * mapping file (`mapping.ts`), or taken as Epochal's when there is none.
 * What comes back are tfjs tensors by Epochal weight name, plus where each
 * came from, for the compatibility report.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { WeightsFileError } from '../errors.js';
import { mapToEpochal, ruleFor, WeightMapping, type FlatTensor, type MappingResult, type MappingRule } from './mapping.js';
import { readSafetensors, toFloat32 } from './safetensors.js';
import { TORCH_CONVENTION, torchConventionRules } from './torch-convention.js';

/** How a file's tensors became Epochal weights, for the compatibility report. */
export interface ImportReport {
  /** The mapping file, `epochal-torch-1` for Epochal's PyTorch convention, or undefined when names were taken as they are. */
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
  return source.toLowerCase().endsWith('.safetensors');
}

/**
 * The tensors of a safetensors file by Epochal weight name (dispose them), and how they were mapped: by the
 * mapping file; else, for a file of state_dict names (no "/"), by Epochal's PyTorch convention for `network`'s
 * weights (what every export writes, `torch-convention.ts`); else as named.
 */
export async function importWeights(
  source: string,
  mappingFile: string | undefined,
  network: readonly { name: string; shape: readonly number[] }[],
): Promise<{ weights: Map<string, tf.Tensor>; report: ImportReport }> {
  const file = await readSafetensors(source);
  const stateDict = [...file.tensors.keys()].every((name) => !name.includes('/'));
  const rules = mappingFile ? await readMapping(mappingFile) : stateDict ? torchConventionRules(network) : undefined;
  const floats = new Map<string, FlatTensor>();
  const ignored: string[] = [];
  const unmapped: string[] = [];
  for (const tensor of file.tensors.values()) {
    if (FLOAT_DTYPES.has(tensor.dtype)) floats.set(tensor.name, { shape: tensor.shape, values: toFloat32(tensor, source) });
    // Integer buffers (batch-norm's num_batches_tracked) are never weights: skipped by an ignore rule, else unmapped.
    else (rules && ruleFor(tensor.name, rules)?.ignore ? ignored : unmapped).push(tensor.name);
  }
  const result: MappingResult = rules
    ? mapToEpochal(floats, rules)
    : { weights: new Map([...floats].map(([name, tensor]) => [name, { ...tensor, from: name, rule: 'as named in the file' }])), unmapped: [], ignored: [], unfit: [] };
  return {
    weights: new Map([...result.weights].map(([name, weight]) => [name, tf.tensor(weight.values, weight.shape)] as const)),
    report: {
      ...(mappingFile ? { mapping: mappingFile } : rules ? { mapping: TORCH_CONVENTION } : {}),
      mapped: [...result.weights].map(([weight, { from, rule }]) => ({ weight, from, rule })),
      ignored: [...result.ignored, ...ignored],
      unmapped: [...result.unmapped, ...unmapped],
      unfit: result.unfit,
    },
  };
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

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
