/**
 * The mappings Epochal knows by name, for `fineTune.pretrained.mapping` and
 * `epochal weights import --mapping`: Epochal's own PyTorch convention (what
 * every export writes) and the original PyTorch SleepNet's module layout.
 * Both are generated from the network, so they fit any net_params.json.
 */
import type { NetParams } from '../config/net/net-params.js';
import type { MappingRule } from './mapping.js';
import { SLEEPNET_TORCH, sleepNetTorchRules } from './sleepnet-torch.js';
import { TORCH_CONVENTION, torchConventionRules } from './torch-convention.js';

export const BUILTIN_MAPPINGS = [TORCH_CONVENTION, SLEEPNET_TORCH] as const;
export type BuiltinMapping = (typeof BUILTIN_MAPPINGS)[number];

export const isBuiltinMapping = (mapping: string): mapping is BuiltinMapping => (BUILTIN_MAPPINGS as readonly string[]).includes(mapping);

/** What a built-in mapping is generated from: the network's weights, and its config for layouts by block type. */
export interface NetworkWeights {
  weights: readonly { name: string; shape: readonly number[] }[];
  net?: NetParams;
}

/** The rules of built-in mapping `name` for `network`, or undefined when it needs the network's config and has none. */
export function builtinRules(name: BuiltinMapping, network: NetworkWeights): MappingRule[] | undefined {
  if (name === TORCH_CONVENTION) return torchConventionRules(network.weights);
  return network.net ? sleepNetTorchRules(network.net) : undefined;
}
