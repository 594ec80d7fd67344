/**
 * The built-in mapping for weights of the original PyTorch SleepNet: its
 * `state_dict` names follow the module layout of the original architecture,
 * one module per block, named as the block (`ecg_cnns`, `ecg_dense`,
 * `additional_dense`, `inner_dense`, `tcn`, `outer_dense`), not Epochal's
 * paths. Each block type is laid out as the original composes it:
 *
 * - conv1dStack `X`: `X.network`, an `nn.Sequential` holding, for each
 *   convolution, one module per preConv step in order (BatchNorm1d,
 *   the activation, Dropout), the Conv1d, then MaxPool1d when it pools;
 * - dense `X`: a bare `nn.Linear` (`X.weight`, `X.bias`); with batch norm,
 *   `X.network` = Linear, BatchNorm1d, activation, Dropout;
 * - residualDenseStack `X`: `X.network` = per layer Linear (BatchNorm1d),
 *   and between layers the activation and Dropout; `X.downsample`, a Linear
 *   without bias, on the skip path;
 * - tcn `X`: `X.network.{i}` a temporal block with `conv1`, `conv2` and
 *   `downsample` (Conv1d, as in the reference TCN implementation, whose
 *   `net` Sequential holds conv1 and conv2 a second time: `net.0`, `net.4`,
 *   ignored), weight-normalised or not;
 * - head `X`: a bare `nn.Linear`.
 *
 * Names are the block's own, so blocks nested in a timeDistributed tower
 * (`ecg_tower/ecg_cnns`) are found by their leaf name; a leaf name used twice
 * falls back to the dotted path. Every module a block has takes its index in
 * a Sequential as PyTorch counts it, parameterless ones (activations, Dropout
 * whatever its rate, pools) included. Batch norms are torch.nn's, with
 * epsilon 1e-5: their running variances are shifted for Epochal's 1e-3.
 */
import type { Block } from '../config/net/blocks.js';
import type { NetParams } from '../config/net/net-params.js';
import type { Layout, MappingRule } from './mapping.js';

/** One torch.nn module holding weights: its state_dict prefix and the Epochal layer it is. */
interface Module {
  prefix: string;
  layer: string;
  /** A duplicate is a module the original registers twice (the reference TCN's `net` Sequential): its tensors are ignored. */
  kind: 'linear' | 'conv1d' | 'batchNorm' | 'duplicate';
}

/** torch.nn's BatchNorm1d epsilon, which the original SleepNet keeps. */
const TORCH_BATCH_NORM_EPSILON = 1e-5;

/** The rules mapping the original SleepNet's state_dict names to `net`'s weights. */
export function sleepNetTorchRules(net: NetParams): MappingRule[] {
  const blocks = flatten(net.blocks, '');
  const leafCounts = new Map<string, number>();
  for (const { name } of blocks) leafCounts.set(name, (leafCounts.get(name) ?? 0) + 1);
  const modules = blocks.flatMap(({ name, path, block }) => modulesOf(leafCounts.get(name) === 1 ? name : path.replaceAll('/', '.'), path, block));
  return modules.flatMap(rulesOf);
}

function flatten(blocks: Record<string, Block>, prefix: string): { name: string; path: string; block: Block }[] {
  return Object.entries(blocks).flatMap(([name, block]) =>
    block.type === 'timeDistributed' ? flatten(block.blocks, `${prefix}${name}/`) : [{ name, path: `${prefix}${name}`, block }],
  );
}

function modulesOf(name: string, path: string, block: Block): Module[] {
  switch (block.type) {
    case 'conv1dStack': {
      const modules: Module[] = [];
      let index = 0;
      block.layers.forEach((layer, i) => {
        for (const step of block.preConv) {
          if (step === 'batchNorm') modules.push({ prefix: `${name}.network.${index}`, layer: `${path}/bn_${i}`, kind: 'batchNorm' });
          index++;
        }
        modules.push({ prefix: `${name}.network.${index++}`, layer: `${path}/conv_${i}`, kind: 'conv1d' });
        if (layer.poolSize) index++;
      });
      return modules;
    }
    case 'dense': {
      if (!block.batchNorm) return [{ prefix: name, layer: `${path}/dense`, kind: 'linear' }];
      return [
        { prefix: `${name}.network.0`, layer: `${path}/dense`, kind: 'linear' },
        { prefix: `${name}.network.1`, layer: `${path}/bn`, kind: 'batchNorm' },
      ];
    }
    case 'residualDenseStack': {
      const modules: Module[] = [];
      let index = 0;
      block.units.forEach((_, i) => {
        modules.push({ prefix: `${name}.network.${index++}`, layer: `${path}/dense_${i}`, kind: 'linear' });
        if (block.batchNorm) modules.push({ prefix: `${name}.network.${index++}`, layer: `${path}/bn_${i}`, kind: 'batchNorm' });
        if (i < block.units.length - 1) index += 2; // the activation and Dropout
      });
      // The skip path's projection; the weight only exists when the network has one, and a rule without a weight maps nothing.
      return [...modules, { prefix: `${name}.downsample`, layer: `${path}/downsample`, kind: 'linear' }];
    }
    case 'tcn':
      return block.channels.flatMap((_, i) => [
        { prefix: `${name}.network.${i}.net.0`, layer: '', kind: 'duplicate' as const },
        { prefix: `${name}.network.${i}.net.4`, layer: '', kind: 'duplicate' as const },
        { prefix: `${name}.network.${i}.conv1`, layer: `${path}/block_${i}/conv_0`, kind: 'conv1d' as const },
        { prefix: `${name}.network.${i}.conv2`, layer: `${path}/block_${i}/conv_1`, kind: 'conv1d' as const },
        { prefix: `${name}.network.${i}.downsample`, layer: `${path}/block_${i}/downsample`, kind: 'conv1d' as const },
      ]);
    case 'head':
      return [{ prefix: name, layer: `${path}/dense`, kind: 'linear' }];
    case 'pool1d':
    case 'globalPool1d':
    case 'adaptivePool1d':
    case 'concat':
    case 'add':
    case 'reshape':
    case 'flatten':
    case 'permute':
    case 'applyMask':
    case 'dropout':
    case 'activation':
    case 'timeDistributed': // flattened into its blocks before this
      return [];
    default: {
      const unknown: never = block;
      throw new Error(`sleepnet-torch has no module layout for block type ${(unknown as Block).type}.`);
    }
  }
}

function rulesOf({ prefix, layer, kind }: Module): MappingRule[] {
  const rule = (variable: string, weight: string, layout: Layout = 'plain'): MappingRule => ({ from: `${prefix}.${variable}`, to: `${layer}/${weight}`, layout, ignore: false });
  const ignored = (variable: string): MappingRule => ({ from: `${prefix}.${variable}`, layout: 'plain', ignore: true });
  if (kind === 'duplicate') return [ignored('weight'), ignored('bias')];
  if (kind === 'batchNorm') {
    return [
      rule('weight', 'gamma'),
      rule('bias', 'beta'),
      rule('running_mean', 'moving_mean'),
      { ...rule('running_var', 'moving_variance'), epsilon: TORCH_BATCH_NORM_EPSILON },
      ignored('num_batches_tracked'),
    ];
  }
  return [rule('weight', 'kernel', kind), rule('bias', 'bias')];
}
