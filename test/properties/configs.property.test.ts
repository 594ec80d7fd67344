/**
 * Property: a config mutated anyhow (keys deleted, set to any JSON) either
 * loads or is refused with a `ConfigError` whose every problem names a JSON
 * path and reads as a sentence; loading never crashes with anything else.
 * Raw workflow input of any shape either passes the boundary check or fails
 * it non-retryably, naming the field.
 */
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/config/issues.js';
import { loadInferConfig, loadTrainConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { checkBatchInferenceInput, checkRetrainingInput, checkTrainingPipelineInput } from '../../workflows/inputs.js';
import { CONFIGS, readJson } from '../helpers/configs.js';
import { hostileValue, mutate, mutations, type Json } from './mutations.js';

const SAMPLES = ['sleepnet-small', 'tabular-mlp', 'sleepnet'] as const;
const RUNS = Number(process.env.EPOCHAL_PROPERTY_RUNS ?? 150);

/** Loads `load()`; a failure must be a ConfigError with path-precise, sentence-shaped problems. */
async function loadsOrRefusesClearly(load: () => Promise<unknown>): Promise<'loaded' | 'refused'> {
  try {
    await load();
    return 'loaded';
  } catch (error) {
    expect(error, String((error as Error)?.stack ?? error)).toBeInstanceOf(ConfigError);
    const { issues } = error as ConfigError;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(Array.isArray(issue.path)).toBe(true);
      expect(issue.message).toMatch(/^[A-Z].*\.$/s);
    }
    expect(formatIssues(issues)).not.toMatch(/undefined|\[object Object\]/);
    return 'refused';
  }
}

describe('mutated configs', () => {
  for (const sample of SAMPLES) {
    it(`${sample}: train_params and its network, mutated, load or are refused with every problem at its JSON path`, async () => {
      const dir = join(CONFIGS, sample);
      const train = (await readJson(join(dir, 'train_params.json'))) as Json;
      const net = (await readJson(join(dir, 'net_params.json'))) as Json;
      const outcomes = new Set<string>();
      await fc.assert(
        fc.asyncProperty(mutations(train), mutations(net), fc.boolean(), async (trainChanges, netChanges, inNet) => {
          const mutated = mutate(train, inNet ? [] : trainChanges) as Record<string, Json>;
          mutated.netParams = inNet ? mutate(net, netChanges) : mutated.netParams === 'net_params.json' ? net : (mutated.netParams ?? null);
          outcomes.add(await loadsOrRefusesClearly(() => loadTrainConfig(mutated as Record<string, unknown>, { cwd: dir })));
        }),
        { numRuns: RUNS, seed: 20261201 },
      );
      expect([...outcomes].sort()).toEqual(['loaded', 'refused']); // both sides of the property were exercised
    });
  }

  it('infer_params, mutated, load or are refused with every problem at its JSON path', async () => {
    const dir = join(CONFIGS, 'tabular-mlp');
    const infer = (await readJson(join(dir, 'infer_params.json'))) as Json;
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutations(infer), async (changes) => {
        outcomes.add(await loadsOrRefusesClearly(() => loadInferConfig(mutate(infer, changes) as Record<string, unknown>, { cwd: dir })));
      }),
      { numRuns: RUNS, seed: 20261201 },
    );
    expect([...outcomes].sort()).toEqual(['loaded', 'refused']);
  });
});

describe('raw workflow input', () => {
  const input = fc.oneof(hostileValue, fc.dictionary(fc.constantFrom('trainParams', 'inferParams', 'runId', 'resume', 'warmStart', 'chunksPerRun', 'trainingTaskQueue'), hostileValue, { maxKeys: 4 }));

  it('of any shape passes the boundary check or fails it non-retryably, naming the field', () => {
    const checks = [(value: unknown) => checkTrainingPipelineInput(value, 'wf-1'), checkBatchInferenceInput, checkRetrainingInput];
    fc.assert(
      fc.property(input, fc.constantFrom(0, 1, 2), (value, which) => {
        try {
          checks[which]!(value);
        } catch (error) {
          expect(error).toBeInstanceOf(ApplicationFailure);
          expect(error).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
          expect((error as Error).message).toMatch(/^Invalid \w+ input: expected .+, but got .+\. Fix: /s);
        }
      }),
      { numRuns: RUNS * 4, seed: 20261201 },
    );
  });
});
