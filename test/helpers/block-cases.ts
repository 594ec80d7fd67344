/** One small network per block type, exercising the block's options; shared by the block tests. */
import type { BlockType } from '../../src/config/net/blocks.js';
import type { NetParams } from '../../src/config/net/net-params.js';
import { tinyNet } from './model.js';

const seq = { x: [16, 3] };
const head = (input: string) => ({ out: { type: 'head', input, units: 3 } });

export const BLOCK_CASES: Record<BlockType, () => NetParams> = {
  conv1dStack: () =>
    tinyNet(seq, {
      cnn: {
        type: 'conv1dStack',
        input: 'x',
        dropout: 0.2,
        layers: [
          { filters: 4, kernelSize: 3, strides: 2, poolSize: 2 },
          { filters: 5, kernelSize: 3, dilation: 2, padding: 'causal' },
        ],
      },
      pool: { type: 'globalPool1d', input: 'cnn', mode: 'avg' },
      ...head('pool'),
    }, ['out']),
  pool1d: () =>
    tinyNet(seq, { pool: { type: 'pool1d', input: 'x', mode: 'max', poolSize: 2 }, flat: { type: 'flatten', input: 'pool' }, ...head('flat') }, ['out']),
  globalPool1d: () => tinyNet(seq, { pool: { type: 'globalPool1d', input: 'x', mode: 'max' }, ...head('pool') }, ['out']),
  adaptivePool1d: () =>
    tinyNet(seq, { pool: { type: 'adaptivePool1d', input: 'x', mode: 'avg', outputLength: 5 }, flat: { type: 'flatten', input: 'pool' }, ...head('flat') }, ['out']),
  dense: () =>
    tinyNet({ x: [6] }, { d: { type: 'dense', input: 'x', units: 4, activation: { name: 'leakyRelu', alpha: 0.2 }, batchNorm: true, dropout: 0.3 }, ...head('d') }, ['out']),
  residualDenseStack: () =>
    tinyNet({ x: [5] }, { res: { type: 'residualDenseStack', input: 'x', units: [8, 6], batchNorm: true, dropout: 0.1 }, ...head('res') }, ['out']),
  tcn: () => tinyNet({ x: [null, 3] }, { tcn: { type: 'tcn', input: 'x', channels: [4, 6], dropout: 0.1 }, ...head('tcn') }, ['out']),
  concat: () =>
    tinyNet({ a: [3], b: [2] }, { both: { type: 'concat', inputs: ['a', 'b'] }, ...head('both') }, ['out']),
  add: () =>
    tinyNet({ a: [4], b: [4] }, { sum: { type: 'add', inputs: ['a', 'b'] }, ...head('sum') }, ['out']),
  reshape: () => tinyNet({ x: [12] }, { r: { type: 'reshape', input: 'x', targetShape: [4, -1] }, p: { type: 'globalPool1d', input: 'r', mode: 'avg' }, ...head('p') }, ['out']),
  flatten: () => tinyNet(seq, { f: { type: 'flatten', input: 'x' }, ...head('f') }, ['out']),
  permute: () => tinyNet(seq, { p: { type: 'permute', input: 'x', dims: [2, 1] }, f: { type: 'flatten', input: 'p' }, ...head('f') }, ['out']),
  applyMask: () =>
    tinyNet({ x: [null, 4], x_mask: [null] }, { m: { type: 'applyMask', input: 'x', mask: 'x_mask' }, ...head('m') }, ['out']),
  dropout: () => tinyNet(seq, { d: { type: 'dropout', input: 'x', rate: 0.5, spatial: true }, f: { type: 'flatten', input: 'd' }, ...head('f') }, ['out']),
  activation: () => tinyNet({ x: [4] }, { a: { type: 'activation', input: 'x', activation: 'gelu' }, ...head('a') }, ['out']),
  head: () => tinyNet({ x: [4] }, { out: { type: 'head', input: 'x', units: 2, activation: 'sigmoid' } }, ['out']),
  timeDistributed: () =>
    tinyNet({ x: [null, 12] }, {
      tower: {
        type: 'timeDistributed',
        input: 'x',
        blocks: {
          chan: { type: 'reshape', input: 'x', targetShape: [12, 1] },
          cnn: { type: 'conv1dStack', input: 'chan', layers: [{ filters: 3, kernelSize: 3, strides: 2 }] },
          pool: { type: 'adaptivePool1d', input: 'cnn', mode: 'max', outputLength: 2 },
          flat: { type: 'flatten', input: 'pool' },
          emb: { type: 'dense', input: 'flat', units: 4 },
        },
        output: 'emb',
      },
      ...head('tower'),
    }, ['out']),
};

