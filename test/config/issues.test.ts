import { describe, expect, it } from 'vitest';
import { didYouMean, formatIssue, formatIssues, formatPath, nearest } from '../../src/config/issues.js';

describe('config issues', () => {
  it('renders JSON paths in dotted form with array indices and quoted odd keys', () => {
    expect(formatPath(['blocks', 'tcn', 'channels', 2])).toBe('blocks.tcn.channels[2]');
    expect(formatPath(['inputs', 'ecg-lead'])).toBe('inputs["ecg-lead"]');
    expect(formatPath([])).toBe('(root)');
  });

  it('renders one issue as "path: message" followed by its fix', () => {
    expect(formatIssue({ path: ['training', 'epochz'], message: 'Unknown key.', hint: 'did you mean "epochs"?' })).toBe(
      'training.epochz: Unknown key. Fix: did you mean "epochs"?',
    );
  });

  it('groups issues under the file they are in', () => {
    const text = formatIssues([
      { file: 'a/train_params.json', path: ['seed'], message: 'Expected an integer, but got 1.5.' },
      { file: 'a/net_params.json', path: ['outputs', 0], message: 'Expected the name of a block, but got "x".' },
      { file: 'a/train_params.json', path: ['experiment'], message: 'Missing required key.' },
    ]);
    expect(text).toBe(
      [
        'a/train_params.json',
        '  seed: Expected an integer, but got 1.5.',
        '  experiment: Missing required key.',
        'a/net_params.json',
        '  outputs[0]: Expected the name of a block, but got "x".',
      ].join('\n'),
    );
  });

  it('suggests a close name for a typo and nothing for an unrelated word', () => {
    expect(didYouMean('epochz', ['epochs', 'batchSize'])).toBe('epochs');
    expect(didYouMean('learningRate', ['epochs', 'batchSize'])).toBeUndefined();
    expect(nearest('outer_dens', ['tcn', 'outer_dense', 'inner_dense', 'stages'], 2)).toEqual(['outer_dense', 'inner_dense']);
  });
});
