/**
 * The built-in mapping for the original PyTorch SleepNet's state_dict names
 * (`sleepnet-torch`), and weight normalisation folded on import: every SleepNet
 * weight has one original name laid out as PyTorch indexes the modules, a
 * state_dict by those names loads with no mapping named (the import picks the
 * built-in mapping that fits), and weight-normalised TCN convolutions load as
 * g · v / ‖v‖.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNetConfig } from '../../src/config/load.js';
import { buildModel } from '../../src/model/build.js';
import { loadPretrained } from '../../src/model/pretrained.js';
import { mapFromEpochal, ruleFor, type FlatTensor } from '../../src/weights/mapping.js';
import { encodeSafetensors } from '../../src/weights/safetensors.js';
import { sleepNetTorchRules } from '../../src/weights/sleepnet-torch.js';
import { foldWeightNorm } from '../../src/weights/weight-norm.js';

async function sleepNet(config: string) {
  const { net } = await loadNetConfig(`configs/${config}/net_params.json`);
  return { net, model: buildModel(net, 5) };
}

const weightsOf = (model: ReturnType<typeof buildModel>) =>
  new Map(model.weights.map((w) => [w.originalName, { shape: [...w.shape] as number[], values: Float32Array.from(w.read().dataSync()) }] as const));

describe('the original SleepNet mapping (sleepnet-torch)', () => {
  it("names every SleepNet weight as the original PyTorch modules do: blocks by their own names, Sequential indices counting every module", async () => {
    const { net, model } = await sleepNet('sleepnet');
    const { tensors, unmapped } = mapFromEpochal(weightsOf(model), sleepNetTorchRules(net));
    expect(unmapped).toEqual([]);
    expect(tensors.size).toBe(model.weights.length);
    const names = [...tensors.keys()];
    // conv1dStack: BatchNorm1d, LeakyReLU, Dropout, Conv1d per layer; the tower's blocks keep their own names.
    expect(names).toEqual(expect.arrayContaining(['ecg_cnns.network.0.running_mean', 'ecg_cnns.network.3.weight', 'ecg_cnns.network.4.weight', 'ecg_cnns.network.31.bias']));
    expect(tensors.get('ecg_cnns.network.3.weight')!.shape).toEqual([8, 1, 7]); // Conv1d [out, in, k]
    expect(ruleFor('ecg_cnns.network.0.num_batches_tracked', sleepNetTorchRules(net))?.ignore).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['ecg_dense.weight', 'additional_dense.bias', 'stages.weight']));
    expect(tensors.get('ecg_dense.weight')!.shape).toEqual([128, 512]); // Linear [out, in]
    // residualDenseStack: Linear, ReLU, Dropout, Linear; the projection on the skip path.
    expect(names).toEqual(expect.arrayContaining(['inner_dense.network.0.weight', 'inner_dense.network.3.weight', 'inner_dense.downsample.weight', 'outer_dense.downsample.weight']));
    // TCN temporal blocks; equal widths need no downsample.
    expect(names).toEqual(expect.arrayContaining(['tcn.network.0.conv1.weight', 'tcn.network.4.conv2.bias']));
    expect(names.filter((name) => name.startsWith('tcn.') && name.includes('downsample'))).toEqual([]);
    model.dispose();
  });

  it('loads a state_dict of original names with weight-normalised TCN convolutions (and their duplicates in net), no mapping named', async () => {
    const source = await sleepNet('sleepnet-small');
    const { tensors } = mapFromEpochal(weightsOf(source.model), sleepNetTorchRules(source.net));
    // The reference TCN's weight_norm: weight = g · v / ‖v‖; store v = 3 · weight and g = ‖weight‖ per output channel.
    const file: { name: string; shape: number[]; values: Float32Array }[] = [];
    for (const [name, tensor] of tensors) {
      if (/^tcn\.network\.\d+\.conv[12]\.weight$/.test(name)) {
        const [rows] = tensor.shape as [number];
        const width = tensor.values.length / rows;
        const g = Float32Array.from({ length: rows }, (_, r) => Math.hypot(...tensor.values.subarray(r * width, (r + 1) * width)));
        const v = tensor.values.map((x) => 3 * x);
        file.push({ name: `${name}_g`, shape: [rows, 1, 1], values: g }, { name: `${name}_v`, shape: tensor.shape, values: v });
        // The reference TemporalBlock registers conv1 and conv2 again in its `net` Sequential (net.0, net.4).
        const again = name.replace('.conv1.', '.net.0.').replace('.conv2.', '.net.4.');
        file.push({ name: `${again}_g`, shape: [rows, 1, 1], values: g }, { name: `${again}_v`, shape: tensor.shape, values: v });
      } else file.push({ name, ...tensor });
    }
    const dir = await mkdtemp(join(tmpdir(), 'epochal-sleepnet-torch-'));
    await writeFile(join(dir, 'original.safetensors'), encodeSafetensors(file));

    const target = await sleepNet('sleepnet-small');
    target.model.dispose();
    const model = buildModel(target.net, 11);
    const report = await loadPretrained(model, join(dir, 'original.safetensors'), 'strict', undefined, target.net);
    expect(report.imported).toMatchObject({ mapping: 'sleepnet-torch', unmapped: [], unfit: [] });
    expect(report.imported!.ignored).toEqual(expect.arrayContaining(['tcn.network.0.net.0.weight', 'tcn.network.1.net.4.weight']));
    expect(report.imported!.mapped).toContainEqual({
      weight: 'tcn/block_0/conv_0/kernel',
      from: 'tcn.network.0.conv1.weight_g + tcn.network.0.conv1.weight_v',
      rule: 'tcn.network.0.conv1.weight → tcn/block_0/conv_0/kernel (conv1d), weight norm folded',
    });
    const expected = weightsOf(source.model);
    for (const weight of model.weights) {
      const values = weight.read().dataSync();
      const want = expected.get(weight.originalName)!.values;
      const worst = want.reduce((max, x, i) => Math.max(max, Math.abs(x - values[i]!)), 0);
      expect(worst, weight.originalName).toBeLessThan(weight.originalName.startsWith('tcn/') && weight.originalName.includes('conv_') ? 1e-6 : Number.MIN_VALUE);
    }
    model.dispose();
    source.model.dispose();
  });
});

describe('weight normalisation', () => {
  const tensor = (shape: number[], values: number[]): FlatTensor => ({ shape, values: Float32Array.from(values) });

  it('folds weight_g / weight_v and parametrizations.weight.original0 / original1 into weight = g · v / ‖v‖ per output', () => {
    const { tensors, folded, problems } = foldWeightNorm(
      new Map([
        ['a.weight_g', tensor([2, 1, 1], [10, 1])],
        ['a.weight_v', tensor([2, 2, 1], [3, 4, 0, 2])],
        ['b.parametrizations.weight.original0', tensor([1, 1], [2])],
        ['b.parametrizations.weight.original1', tensor([1, 2], [1, 1])],
        ['b.bias', tensor([1], [0.5])],
      ]),
    );
    expect(problems).toEqual([]);
    expect([...tensors.keys()].sort()).toEqual(['a.weight', 'b.bias', 'b.weight']);
    expect([...tensors.get('a.weight')!.values]).toEqual([6, 8, 0, 1]);
    expect(tensors.get('b.weight')!.values[0]).toBeCloseTo(Math.SQRT2, 6);
    expect(folded.get('a.weight')).toEqual(['a.weight_g', 'a.weight_v']);
  });

  it('reports a magnitude that is not one value per output instead of folding it', () => {
    const { tensors, problems } = foldWeightNorm(new Map([['c.weight_g', tensor([3], [1, 2, 3])], ['c.weight_v', tensor([2, 2], [1, 0, 0, 1])]]));
    expect(tensors.size).toBe(0);
    expect(problems).toEqual([{ from: 'c.weight_g + c.weight_v', problem: 'a weight-norm magnitude has one value per output (2), but its shape is [3] for a direction of shape [2,2]' }]);
  });
});
