/**
 * `epochal weights import`: the compatibility report weight by weight before
 * anything trains, a model folder that fineTune.pretrained reads, and never a
 * write into a folder that exists.
 */
import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNetConfig } from '../../src/config/load.js';
import { buildModel } from '../../src/model/build.js';
import { loadPretrained } from '../../src/model/pretrained.js';
import { epochal } from '../helpers/processes.js';

const NET = 'configs/tabular-mlp/net_params.json';
const KERAS = 'test/fixtures/weights/tabular.keras';
const MAPPING = 'test/fixtures/weights/keras3-tabular.mapping.json';

describe('epochal weights import', () => {
  it('prints every weight with the tensor and mapping rule it comes from, and writes a model folder fineTune.pretrained loads', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'epochal-weights-cli-')), 'imported');
    const { code, stdout, stderr } = await epochal(['weights', 'import', KERAS, '--net', NET, '--mapping', MAPPING, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/✓ trunk\/downsample\/kernel\s+← layers\.dense_3\.vars\.0 {2}\[layers\.dense_3\.vars\.0 → trunk\/downsample\/kernel \(plain\)\]/);
    expect(stdout).toContain('9 matched, 0 missing, 0 unexpected, 0 shape mismatches, 0 unmapped, 0 ignored');
    expect((await readdir(out)).sort()).toEqual(['model.json', 'model.safetensors', 'weights.bin']);

    const { net } = await loadNetConfig(NET);
    const model = buildModel(net, 9);
    const report = await loadPretrained(model, out, 'strict');
    expect(report.matched).toHaveLength(9);
    const bias = model.weights.find((w) => w.originalName === 'state/dense/bias')!.read().dataSync();
    expect([...bias]).toEqual([0, 1, 2].map((i) => Math.fround((i * 0.25 - 18) / 8))); // the fixture's ninth tensor (seed 18)
    model.dispose();
  });

  it('refuses to write into a folder that exists, leaving what is there', async () => {
    const out = await mkdtemp(join(tmpdir(), 'epochal-weights-cli-'));
    await mkdir(join(out, 'mine'));
    await writeFile(join(out, 'mine', 'notes.txt'), 'keep me');
    const { code, stderr } = await epochal(['weights', 'import', KERAS, '--net', NET, '--mapping', MAPPING, '--out', join(out, 'mine')]);
    expect(code).toBe(1);
    expect(stderr).toContain('already exists, and epochal weights import never writes into an existing folder');
    expect(await readdir(join(out, 'mine'))).toEqual(['notes.txt']);
    expect(await readFile(join(out, 'mine', 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('fails on a truncated safetensors file, naming it and the fix, writing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-weights-cli-'));
    const whole = await readFile('test/fixtures/weights/state-dict.safetensors');
    await writeFile(join(dir, 'cut.safetensors'), whole.subarray(0, whole.length - 10));
    const { code, stderr } = await epochal(['weights', 'import', join(dir, 'cut.safetensors'), '--net', NET, '--out', join(dir, 'out')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(dir, 'cut.safetensors')} is not a valid safetensors file`);
    expect(stderr).toContain('InvalidWeightsFile');
    expect(await readdir(dir)).toEqual(['cut.safetensors']);
  });
});
