import { describe, expect, it } from 'vitest';
import { SMALL_SLEEPNET_TRAIN } from '../helpers/configs.js';
import { runPipeline, useSuiteServer, withWorker } from '../helpers/temporal.js';

describe('learning', () => {
  const env = useSuiteServer();

  it('trains the small SleepNet sample to stage synthetic nights well above chance', async () => {
    const result = await withWorker(env(), (context) => runPipeline(context, { trainParams: SMALL_SLEEPNET_TRAIN }));
    const test = result.evaluation.test!;
    // Chance agreement is kappa 0; the sample reaches about 0.5 on this machine's wasm backend (see README).
    expect(test.cohenKappa).toBeGreaterThan(0.3);
    expect(test.accuracy).toBeGreaterThan(0.5);
    expect(result.training.history[result.training.history.length - 1]!.loss).toBeLessThan(result.training.history[0]!.loss);
  }, 300_000);
});
