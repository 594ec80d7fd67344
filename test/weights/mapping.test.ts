/** Weight-name mappings: source names to Epochal's by rules, layouts converted, and back again for export. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapFromEpochal, mapToEpochal, MappingRule, permute, WeightMapping, type FlatTensor } from '../../src/weights/mapping.js';
import { readSafetensors, toFloat32 } from '../../src/weights/safetensors.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/weights/state-dict.safetensors', import.meta.url));

const RULES = WeightMapping.parse({
  rules: [
    { from: 'ecg_dense.weight', to: 'ecg_dense/dense/kernel', layout: 'linear' },
    { from: 'ecg_dense.bias', to: 'ecg_dense/dense/bias' },
    { from: 'tcn.network.{i}.conv1.weight', to: 'tcn/block_{i}/conv_a/kernel', layout: 'conv1d' },
    { from: 'tcn.network.{i}.bn.running_mean', to: 'tcn/block_{i}/bn/moving_mean' },
    { from: 'tcn.network.{i}.bn.running_var', to: 'tcn/block_{i}/bn/moving_variance' },
    { from: 'tcn.network.*.bn.num_batches_tracked', ignore: true },
  ],
}).rules;

async function fixtureTensors(): Promise<Map<string, FlatTensor>> {
  const { tensors } = await readSafetensors(FIXTURE);
  return new Map(
    [...tensors.values()].filter((tensor) => tensor.dtype.startsWith('F')).map((tensor) => [tensor.name, { shape: tensor.shape, values: toFloat32(tensor, FIXTURE) }] as const),
  );
}

describe('weight mappings', () => {
  it('maps a PyTorch state_dict to Epochal names, transposing Linear and Conv1d weights, naming the rule behind each', async () => {
    const source = await fixtureTensors();
    const { weights, unmapped, ignored, unfit } = mapToEpochal(new Map([...source, ['tcn.network.0.bn.num_batches_tracked', { shape: [], values: Float32Array.of(7) }]]), RULES);
    expect([...weights.keys()].sort()).toEqual(['ecg_dense/dense/bias', 'ecg_dense/dense/kernel', 'tcn/block_0/bn/moving_mean', 'tcn/block_0/bn/moving_variance', 'tcn/block_0/conv_a/kernel']);
    expect(unmapped.sort()).toEqual(['double.weight', 'half.weight']);
    expect(ignored).toEqual(['tcn.network.0.bn.num_batches_tracked']);
    expect(unfit).toEqual([]);

    const linear = source.get('ecg_dense.weight')!; // [out 4, in 3]
    const kernel = weights.get('ecg_dense/dense/kernel')!; // [in 3, out 4]
    expect(kernel.shape).toEqual([3, 4]);
    for (let out = 0; out < 4; out++) for (let input = 0; input < 3; input++) expect(kernel.values[input * 4 + out]).toBe(linear.values[out * 3 + input]);

    const conv = source.get('tcn.network.0.conv1.weight')!; // [out 5, in 4, k 3]
    const convKernel = weights.get('tcn/block_0/conv_a/kernel')!; // [k 3, in 4, out 5]
    expect(convKernel.shape).toEqual([3, 4, 5]);
    for (let out = 0; out < 5; out++) for (let input = 0; input < 4; input++) for (let k = 0; k < 3; k++) expect(convKernel.values[k * 20 + input * 5 + out]).toBe(conv.values[out * 12 + input * 3 + k]);

    expect(weights.get('tcn/block_0/bn/moving_variance')).toMatchObject({ from: 'tcn.network.0.bn.running_var', rule: 'tcn.network.{i}.bn.running_var → tcn/block_{i}/bn/moving_variance (plain)' });
    expect(weights.get('ecg_dense/dense/bias')!.values).toEqual(source.get('ecg_dense.bias')!.values);
  });

  it('maps Epochal weights back to the source names and layouts exactly (what export writes)', async () => {
    const source = await fixtureTensors();
    const { weights } = mapToEpochal(source, RULES);
    const { tensors, unmapped } = mapFromEpochal(new Map<string, FlatTensor>([...weights, ['head/dense/kernel', { shape: [1], values: Float32Array.of(1) }]]), RULES);
    expect(unmapped).toEqual(['head/dense/kernel']);
    expect([...tensors.keys()].sort()).toEqual(['ecg_dense.bias', 'ecg_dense.weight', 'tcn.network.0.bn.running_mean', 'tcn.network.0.bn.running_var', 'tcn.network.0.conv1.weight']);
    for (const [name, tensor] of tensors) expect(tensor).toEqual(source.get(name));
  });

  it('takes the first rule that matches, and reports a tensor whose shape does not fit its rule\'s layout', () => {
    const rules = WeightMapping.parse({ rules: [{ from: 'a.{x}', to: 'first/{x}', layout: 'linear' }, { from: 'a.*', to: 'second' }] }).rules;
    const { weights, unfit } = mapToEpochal(new Map([['a.w', { shape: [2, 1], values: Float32Array.of(1, 2) }], ['a.b', { shape: [2], values: Float32Array.of(3, 4) }]]), rules);
    expect([...weights.keys()]).toEqual(['first/w']);
    expect(unfit).toEqual([{ from: 'a.b', rule: 'a.{x} → first/{x} (linear)', problem: 'a linear weight is [out, in], but this one has shape [2]' }]);
  });

  it("converts a batch-norm variance kept for the source's epsilon to Epochal's, and back, refusing one Epochal cannot express", () => {
    const rules = WeightMapping.parse({ rules: [{ from: 'bn.running_var', to: 'bn/moving_variance', epsilon: 1e-5 }] }).rules;
    // PyTorch normalises by √(v + 1e-5), Epochal by √(v' + 1e-3): v' = v + 1e-5 − 1e-3.
    const { weights, unfit } = mapToEpochal(new Map([['bn.running_var', { shape: [2], values: Float32Array.of(1, 0.5) }]]), rules);
    expect(unfit).toEqual([]);
    const variance = weights.get('bn/moving_variance')!;
    expect(variance.rule).toBe('bn.running_var → bn/moving_variance (plain, variance for epsilon 0.00001)');
    expect([...variance.values]).toEqual([Math.fround(1 + 1e-5 - 1e-3), Math.fround(0.5 + 1e-5 - 1e-3)]);
    const back = mapFromEpochal(new Map([['bn/moving_variance', variance]]), rules).tensors.get('bn.running_var')!;
    expect(back.values[0]).toBeCloseTo(1, 6);
    expect(back.values[1]).toBeCloseTo(0.5, 6);

    const tiny = mapToEpochal(new Map([['bn.running_var', { shape: [2], values: Float32Array.of(1, 1e-4) }]]), rules);
    expect(tiny.weights.size).toBe(0);
    expect(tiny.unfit[0]!.problem).toMatch(/^its value 0\.0000999\d* at index 1, normalised with epsilon 0\.00001, is below what Epochal's epsilon 0\.001 can express/);
  });

  it('refuses rules without a target, or with a pattern that is not dotted segments', () => {
    expect(MappingRule.safeParse({ from: 'a.b' }).error?.issues.map((issue) => issue.message)).toEqual(['Expected "to" (the Epochal name), or "ignore": true.']);
    expect(MappingRule.safeParse({ from: 'a..b', to: 'x' }).error?.issues[0]).toMatchObject({ path: ['from'], message: 'Expected dotted segments, each a name, {capture} or *.' });
    expect(MappingRule.safeParse({ from: 'a.b', to: 'x', layout: 'conv3d' }).success).toBe(false);
  });

  it('permutes axes of any rank in row-major order', () => {
    const values = Float32Array.from({ length: 24 }, (_, i) => i);
    const permuted = permute(values, [2, 3, 4], [2, 0, 1]); // [4, 2, 3]
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) expect(permuted[c * 6 + a * 3 + b]).toBe(values[a * 12 + b * 4 + c]);
  });
});
