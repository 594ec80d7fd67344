/**
 * The block registry: every block `type` of net_params maps to the function
 * that builds it into tfjs layers. The mapped type makes the registry total:
 * a block type added to the config schema without a builder does not compile.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BlockOf, BlockType } from '../config/net/blocks.js';
import { buildConv1dStack } from './blocks/conv.js';
import { buildDense, buildHead, buildResidualDenseStack } from './blocks/dense.js';
import { buildAdaptivePool1d, buildGlobalPool1d, buildPool1d } from './blocks/pooling.js';
import {
  buildActivation,
  buildAdd,
  buildApplyMask,
  buildConcat,
  buildDropout,
  buildFlatten,
  buildPermute,
  buildReshape,
} from './blocks/structure.js';
import { buildTcn } from './blocks/tcn.js';
import { buildTimeDistributed } from './blocks/time-distributed.js';
import type { BlockScope } from './scope.js';

/** Builds one block: its config, its sources' symbolic tensors (in `blockSources` order), its scope. */
export type BlockBuilder<T extends BlockType> = (
  block: BlockOf<T>,
  inputs: tf.SymbolicTensor[],
  scope: BlockScope,
) => tf.SymbolicTensor;

export const BLOCK_BUILDERS: { [T in BlockType]: BlockBuilder<T> } = {
  conv1dStack: buildConv1dStack,
  pool1d: buildPool1d,
  globalPool1d: buildGlobalPool1d,
  adaptivePool1d: buildAdaptivePool1d,
  dense: buildDense,
  residualDenseStack: buildResidualDenseStack,
  tcn: buildTcn,
  concat: buildConcat,
  add: buildAdd,
  reshape: buildReshape,
  flatten: buildFlatten,
  permute: buildPermute,
  applyMask: buildApplyMask,
  dropout: buildDropout,
  activation: buildActivation,
  head: buildHead,
  timeDistributed: buildTimeDistributed,
};
