/**
 * The mappings Epochal knows by name, for `fineTune.pretrained.mapping` and
 * `epochal weights import --mapping`: Epochal's own PyTorch convention (what
 * every export writes) and the original PyTorch SleepNet's module layout.
 * Both are generated from the network, so they fit any net_params.json.
 */
import type { NetParams } from '../config/net/net-params.js';
import { BuiltinMapping } from '../config/train/fine-tune.js';
import type { MappingRule } from './mapping.js';
import { sleepNetTorchRules } from './sleepnet-torch.js';
import { torchConventionRules } from './torch-convention.js';

export { isBuiltinMapping, type BuiltinMapping } from '../config/train/fine-tune.js';
/** Every built-in mapping, in the order an import tries them when none is named. */
export const BUILTIN_MAPPINGS = BuiltinMapping.options;

/** What a built-in mapping is generated from: the network's weights, and its config for layouts by block type. */
export interface NetworkWeights {
  weights: readonly { name: string; shape: readonly number[] }[];
  net?: NetParams;
}

/** The rules of built-in mapping `name` for `network`, or undefined when it needs the network's config and has none. */
export function builtinRules(name: BuiltinMapping, network: NetworkWeights): MappingRule[] | undefined {
  switch (name) {
    case 'epochal-torch-1':
      return torchConventionRules(network.weights);
    case 'sleepnet-torch':
      return network.net ? sleepNetTorchRules(network.net) : undefined;
  }
}
