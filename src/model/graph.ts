/** Builds a graph of named blocks into symbolic tensors, in dependency order. */
import type * as tf from '@tensorflow/tfjs';
import { blockSources, type Block, type BlockType } from '../config/net/blocks.js';
import { BLOCK_BUILDERS, type BlockBuilder } from './registry.js';
import { BlockScope } from './scope.js';

/**
 * Builds `blocks` on top of `sources` (model inputs, or a nested graph's input)
 * and returns every block's output. Block names become the leading segments of
 * their layer names: `<prefix><block>/...`.
 */
export function buildGraph(
  blocks: Record<string, Block>,
  sources: Record<string, tf.SymbolicTensor>,
  prefix: string,
  seed: number,
): Record<string, tf.SymbolicTensor> {
  const outputs: Record<string, tf.SymbolicTensor> = {};
  const resolve = (name: string): tf.SymbolicTensor => {
    const known = outputs[name] ?? sources[name];
    if (known) return known;
    const block = blocks[name];
    if (!block) throw new Error(`Unknown block or input "${name}"; validate net_params first.`);
    const inputs = blockSources(block).map(resolve);
    const builder = BLOCK_BUILDERS[block.type] as BlockBuilder<BlockType>;
    outputs[name] = builder(block, inputs, new BlockScope(`${prefix}${name}`, seed));
    return outputs[name];
  };
  for (const name of Object.keys(blocks)) resolve(name);
  return outputs;
}
