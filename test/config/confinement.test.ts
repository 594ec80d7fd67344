import { chmod, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInferConfig, loadTrainConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { copySample, editJson } from '../helpers/configs.js';

const SECRET = 'API_KEY=hunter2';

/** A 0600 secrets file in a folder of its own, outside any root the tests give. */
async function secretsFile(): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'epochal-secrets-')), 'secrets.env');
  await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

async function problems(load: Promise<unknown>): Promise<string> {
  const error = await load.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('configs on a worker with roots', () => {
  it('a data file outside the read roots is refused by its JSON path, without opening it or saying whether it exists', async () => {
    const dir = await copySample('tabular-mlp');
    const roots = { read: [dir], write: [dir] };
    for (const path of ['/etc/passwd', await secretsFile(), '/no/such/file.csv']) {
      await editJson(join(dir, 'train_params.json'), (train) => {
        train.data.source = { ...train.data.source, path, delimiter: ':' };
      });
      const message = await problems(loadTrainConfig(join(dir, 'train_params.json'), { roots }));
      expect(message).toContain(`data.source.path: Expected a data file inside the folders this worker may read (${dir}), but ${path} is outside them.`);
      expect(message).toContain('Fix: use a path inside them, or start the worker with --read-root <folder> (EPOCHAL_READ_ROOTS) to let it read there.');
      expect(message).not.toMatch(/root:|hunter2|does not exist/);
    }
  });

  it('a link inside a root that leads to a secret outside is outside', async () => {
    const dir = await copySample('tabular-mlp');
    await symlink(await secretsFile(), join(dir, 'data', 'innocent.csv'));
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.data.source.path = 'data/innocent.csv';
    });
    const message = await problems(loadTrainConfig(join(dir, 'train_params.json'), { roots: { read: [dir], write: [dir] } }));
    expect(message).toContain(`but ${join(dir, 'data', 'innocent.csv')} is outside them.`);
    expect(message).not.toContain('hunter2');
  });

  it('the config file itself, a net file and pretrained weights outside are refused before they are read', async () => {
    const dir = await copySample('tabular-mlp');
    const roots = { read: [dir], write: [dir] };
    expect(await problems(loadTrainConfig(await secretsFile(), { roots }))).toMatch(/\(root\): Expected a config file inside the folders this worker may read .*, but \/.*secrets\.env is outside them\./);
    const secrets = await secretsFile();
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.netParams = secrets;
      train.fineTune = { pretrained: { path: dirname(secrets) } };
    });
    const message = await problems(loadTrainConfig(join(dir, 'train_params.json'), { roots }));
    expect(message).toContain(`netParams: Expected a net_params.json inside the folders this worker may read (${dir}), but ${secrets} is outside them.`);
    expect(message).not.toContain('hunter2');
  });

  it('an artifact root or an inference output outside the write roots is refused', async () => {
    const dir = await copySample('tabular-mlp');
    const roots = { read: [dir], write: [join(dir, 'runs')] };
    await editJson(join(dir, 'train_params.json'), (train) => {
      train.artifactRoot = '/etc/epochal-runs';
    });
    expect(await problems(loadTrainConfig(join(dir, 'train_params.json'), { roots }))).toContain(
      `artifactRoot: Expected an artifact folder inside the folders this worker may write to (${join(dir, 'runs')}), but /etc/epochal-runs is outside them. ` +
        'Fix: use a path inside them, or start the worker with --write-root <folder> (EPOCHAL_WRITE_ROOTS) to let it write there.',
    );
    await editJson(join(dir, 'infer_params.json'), (job) => {
      job.model = { type: 'exported', path: 'model' };
      job.output.path = '../../../../home';
    });
    expect(await problems(loadInferConfig(join(dir, 'infer_params.json'), { roots }))).toMatch(/output\.path: Expected an output folder inside the folders this worker may write to .*, but \/home is outside them\./);
  });

  it('without roots (the CLI on your own machine) paths are only resolved and checked for existence', async () => {
    const dir = await copySample('tabular-mlp');
    await expect(loadTrainConfig(join(dir, 'train_params.json'))).resolves.toMatchObject({ train: { experiment: 'machine-state' } });
  });
});
