/**
 * Epochal's PyTorch naming convention: how a network's weights are named and
 * stored in the `model.safetensors` every export writes, so the weights load
 * into a PyTorch module built from the same net_params.json (bench/pytorch)
 * and come back by the same rules. An Epochal weight `tcn/block_0/conv_0/kernel`
 * is the state_dict entry `tcn.block_0.conv_0.weight`: the path joined by
 * dots, the variable named as torch.nn names it (kernel and gamma → weight,
 * beta → bias, moving_mean → running_mean, moving_variance → running_var), and
 * kernels stored in PyTorch's layout (dense [out, in], conv1d [out, in, k],
 * conv2d [out, in, kh, kw]).
 */
import type { Layout, MappingRule } from './mapping.js';

/** The convention's name, recorded in the files' metadata. */
export const TORCH_CONVENTION = 'epochal-torch-1';

const VARIABLES: Record<string, string> = { kernel: 'weight', gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };
const KERNEL_LAYOUTS: Record<number, Layout> = { 2: 'linear', 3: 'conv1d', 4: 'conv2d' };

/** The state_dict name of Epochal weight `name`. */
export function torchName(name: string): string {
  const segments = name.split('/');
  const variable = segments.pop()!;
  return [...segments, VARIABLES[variable] ?? variable].join('.');
}

/**
 * The mapping rules of the convention for a network's weights (name and shape): one literal rule per weight,
 * so they map a file both ways. Two weights with one state_dict name (a block name with a dot in it) are refused.
 */
export function torchConventionRules(weights: readonly { name: string; shape: readonly number[] }[]): MappingRule[] {
  const seen = new Map<string, string>();
  return weights.map(({ name, shape }) => {
    const from = torchName(name);
    const other = seen.get(from);
    if (other) throw new Error(`Weights ${other} and ${name} would both be "${from}" in a PyTorch state_dict: rename one of their blocks (no dots in block names).`);
    seen.set(from, name);
    const layout = name.endsWith('/kernel') ? (KERNEL_LAYOUTS[shape.length] ?? 'plain') : 'plain';
    return { from, to: name, layout, ignore: false };
  });
}
