import { describe, expect, it } from 'vitest';
import { formatSweepPath, missingAt, parseSweepPath, shortNames, withValueAt } from '../../src/sweep/json-path.js';

describe('swept JSON paths', () => {
  it('read keys, indexes and quoted keys below train or net, and write back the same text', () => {
    const cases = [
      ['train.training.optimizer.learningRate', { root: 'train', path: ['training', 'optimizer', 'learningRate'] }],
      ['net.blocks.tcn.channels[0]', { root: 'net', path: ['blocks', 'tcn', 'channels', 0] }],
      ['net.blocks["odd-name"].units', { root: 'net', path: ['blocks', 'odd-name', 'units'] }],
    ] as const;
    for (const [text, parsed] of cases) {
      expect(parseSweepPath(text)).toEqual(parsed);
      expect(formatSweepPath(parsed as never)).toBe(text);
    }
  });

  it('say what is wrong with a path that is not one', () => {
    expect(parseSweepPath('training.epochs')).toBe('it starts with neither "train" nor "net"');
    expect(parseSweepPath('trainer.epochs')).toBe('it starts with neither "train" nor "net"');
    expect(parseSweepPath('train')).toBe('it names the whole train params, not a value in them');
    expect(parseSweepPath('net.blocks[x]')).toBe('it cannot be read from "[x]" on (write .key, [index] or ["key"])');
    expect(parseSweepPath('train..epochs')).toBe('it cannot be read from "..epochs" on (write .key, [index] or ["key"])');
  });

  it('say where a path leads nowhere, suggesting the key meant', () => {
    const train = { training: { optimizer: { learningRate: 0.01 }, metrics: ['accuracy'] } };
    expect(missingAt(train, ['training', 'optimizer', 'learningRate'])).toBeUndefined();
    expect(missingAt(train, ['training', 'optimizr', 'learningRate'])).toBe('training has no key "optimizr" (did you mean "optimizer"?)');
    expect(missingAt(train, ['training', 'metrics', 1])).toBe('training.metrics has 1 item, so [1] is past its end');
    expect(missingAt(train, ['training', 'metrics', 'first'])).toBe('training.metrics is a list, so it takes an [index], not "first"');
    expect(missingAt(train, ['training', 'optimizer', 'learningRate', 'value'])).toBe('training.optimizer.learningRate is 0.01, which has no "value"');
    expect(missingAt(train, ['schedule'])).toBe('the top level has no key "schedule" (its keys: training)');
  });

  it('replace one value in a copy, leaving the original as it was', () => {
    const net = { blocks: { tcn: { channels: [32, 32] } } };
    const changed = withValueAt(net, ['blocks', 'tcn', 'channels', 1], 64);
    expect(changed).toEqual({ blocks: { tcn: { channels: [32, 64] } } });
    expect(net.blocks.tcn.channels).toEqual([32, 32]);
  });

  it('get short names: the last key, or as many keys as keep two paths apart', () => {
    expect(
      shortNames(['train.training.optimizer.learningRate', 'net.blocks.hidden.units', 'net.blocks.trunk.units', 'net.blocks.tcn.channels[0]']),
    ).toEqual({
      'train.training.optimizer.learningRate': 'learningRate',
      'net.blocks.hidden.units': 'hidden.units',
      'net.blocks.trunk.units': 'trunk.units',
      'net.blocks.tcn.channels[0]': 'channels[0]',
    });
  });
});
