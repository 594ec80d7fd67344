import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelChangedError } from '../../src/errors.js';
import { modelManifest, verifyModel } from '../../src/registry/model-digest.js';

async function modelFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'epochal-digest-'));
  await writeFile(join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
  await writeFile(join(dir, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  await writeFile(join(dir, 'net_params.json'), '{"name":"net"}');
  await writeFile(join(dir, 'preprocessing.json'), '{"classes":["a","b"]}');
  return dir;
}

describe('model digests', () => {
  it('cover model.json, the weight files it names and the network and preprocessing beside it', async () => {
    const manifest = await modelManifest(await modelFolder());
    expect(Object.keys(manifest.files)).toEqual(['model.json', 'net_params.json', 'preprocessing.json', 'weights.bin']);
    expect(manifest.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('do not depend on where the folder is', async () => {
    const dir = await modelFolder();
    const copy = `${dir}-copy`;
    await cp(dir, copy, { recursive: true });
    expect((await modelManifest(copy)).digest).toBe((await modelManifest(dir)).digest);
  });

  it('one changed byte in the weights is refused, naming the file and the fix', async () => {
    const dir = await modelFolder();
    const promoted = await modelManifest(dir);
    const weights = await readFile(join(dir, 'weights.bin'));
    weights[2] = weights[2]! ^ 1;
    await writeFile(join(dir, 'weights.bin'), weights);
    const error = await verifyModel(dir, promoted, 'champion of exp').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelChangedError);
    expect((error as ModelChangedError).changed).toEqual(['weights.bin']);
    expect((error as Error).message).toMatch(new RegExp(`^The model in ${dir} is not the champion of exp that was recorded \\(digest [0-9a-f]{12}…, now [0-9a-f]{12}…; changed: weights\\.bin\\)\\. It was not used\\. Fix: restore the folder`));
  });

  it('a missing preprocessing file counts as a change', async () => {
    const dir = await modelFolder();
    const promoted = await modelManifest(dir);
    await rm(join(dir, 'preprocessing.json'));
    await expect(verifyModel(dir, promoted, 'champion')).rejects.toMatchObject({ changed: ['preprocessing.json'] });
  });
});
