import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNetConfig } from '../../src/config/load.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import { ConfigError } from '../../src/errors.js';
import { CONFIGS, readJson } from '../helpers/configs.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The SleepNet sample network, edited by `edit`, loaded inline; returns the issues it is rejected with. */
async function issuesAfter(edit: (net: Json) => void): Promise<ConfigIssue[]> {
  const net = await readJson(join(CONFIGS, 'sleepnet', 'net_params.json'));
  edit(net);
  const error = await loadNetConfig(net).then(
    () => expect.unreachable('expected the network to be invalid'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return [...(error as ConfigError).issues];
}

describe('net_params.json', () => {
  it('loads the SleepNet reference network with every block of the seed architecture', async () => {
    const { net } = await loadNetConfig(join(CONFIGS, 'sleepnet', 'net_params.json'));
    expect(Object.keys(net.blocks)).toEqual([
      'ecg_tower',
      'additional_dense',
      'epoch_features',
      'inner_dense',
      'masked_epochs',
      'tcn',
      'outer_dense',
      'stages',
    ]);
    const tower = net.blocks.ecg_tower;
    expect(tower?.type === 'timeDistributed' && Object.keys(tower.blocks)).toEqual([
      'ecg_channels',
      'ecg_cnns',
      'ecg_avg_pool',
      'ecg_max_pool',
      'ecg_pools',
      'ecg_flat',
      'ecg_dense',
    ]);
    expect(net.blocks.tcn).toMatchObject({ type: 'tcn', kernelSize: 3, dilationBase: 2, channels: [128, 128, 128, 128, 128] });
    expect(net.blocks.stages).toMatchObject({ type: 'head', units: 5, activation: 'softmax' });
  });

  it('rejects a block reading a name that does not exist, suggesting the closest', async () => {
    const [issue] = await issuesAfter((net) => {
      net.blocks.outer_dense.input = 'tcm';
    });
    expect(issue).toMatchObject({
      check: 'knownSources',
      path: ['blocks', 'outer_dense', 'input'],
      message: 'Expected the name of a model input or block, but got "tcm".',
      hint: 'did you mean "tcn"?',
    });
  });

  it('explains that a time-distributed block sees only its own input and blocks', async () => {
    const [issue] = await issuesAfter((net) => {
      net.blocks.ecg_tower.blocks.ecg_channels.input = 'additional';
    });
    expect(issue?.path).toEqual(['blocks', 'ecg_tower', 'blocks', 'ecg_channels', 'input']);
    expect(issue?.message).toContain('Inside a timeDistributed block only its input ("ecg") and its own blocks are visible.');
  });

  it('rejects a cycle between blocks, naming it', async () => {
    const [issue] = await issuesAfter((net) => {
      net.blocks.inner_dense.input = 'outer_dense';
    });
    expect(issue).toMatchObject({ check: 'acyclic' });
    expect(issue?.message).toBe('Blocks form a cycle: inner_dense → outer_dense → tcn → masked_epochs → inner_dense.');
  });

  it('rejects outputs that name no block, at the top level and inside a time-distributed block', async () => {
    const issues = await issuesAfter((net) => {
      net.outputs = ['stage'];
      net.blocks.ecg_tower.output = 'ecg_dens';
    });
    expect(issues.map((issue) => [issue.path.join('.'), issue.hint])).toEqual([
      ['outputs.0', 'did you mean "stages"?'],
      ['blocks.ecg_tower.output', 'did you mean "ecg_dense"?'],
    ]);
  });

  it('rejects a convolution with both strides and dilation above 1', async () => {
    const [issue] = await issuesAfter((net) => {
      net.blocks.ecg_tower.blocks.ecg_cnns.layers[0].dilation = 2;
    });
    expect(issue).toMatchObject({
      check: 'stridesWithDilation',
      path: ['blocks', 'ecg_tower', 'blocks', 'ecg_cnns', 'layers', 0],
      message: 'A convolution cannot have both strides (2) and dilation (2) above 1.',
    });
  });

  it('rejects a block name that is also an input name, and shapes that cannot be', async () => {
    const issues = await issuesAfter((net) => {
      net.blocks.ecg = { type: 'dropout', input: 'additional', rate: 0.1 };
      net.blocks.ecg_tower.blocks.ecg_channels.targetShape = [-1, -1];
      net.blocks.swap = { type: 'permute', input: 'ecg_tower', dims: [2, 2] };
    });
    expect(issues.map((issue) => issue.check)).toEqual(['uniqueNames', 'shapeArguments', 'shapeArguments']);
  });

  it('rejects an unknown block option with the option it most resembles', async () => {
    const [issue] = await issuesAfter((net) => {
      net.blocks.tcn.dilationbase = 2;
    });
    expect(issue).toMatchObject({ path: ['blocks', 'tcn', 'dilationbase'], message: 'Unknown key.', hint: 'did you mean "dilationBase"?' });
  });

  it('reports type errors, unknown keys and dangling references of one broken file together, in one round', async () => {
    const issues = await issuesAfter((net) => {
      net.blocks.inner_dense.units = 'many';
      net.blocks.additional_dense.unitz = 3;
      net.blocks.outer_dense.input = 'no_such_block';
    });
    expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual(['blocks.additional_dense.unitz', 'blocks.inner_dense.units', 'blocks.outer_dense.input']);
    expect(issues.find((issue) => issue.path.join('.') === 'blocks.outer_dense.input')).toMatchObject({ check: 'knownSources', message: expect.stringContaining('"no_such_block"') });
  });

  it('reports a block that is not a block once, without wiring complaints from inside it', async () => {
    const issues = await issuesAfter((net) => {
      net.blocks.inner_dense = 5;
    });
    expect(issues.map((issue) => issue.path.join('.'))).toEqual(['blocks.inner_dense']);
  });

});
