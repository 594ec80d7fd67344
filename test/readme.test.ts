import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import type { BatchInferenceResult } from '../workflows/batch-inference.js';
import type { RetrainingResult } from '../workflows/retraining-pipeline.js';
import { progressQuery } from '../workflows/definitions.js';
import type { trainingPipeline } from '../workflows/training-pipeline.js';
import { editJson } from './helpers/configs.js';
import { EPOCHAL_BIN, startUntil, stop } from './helpers/processes.js';
import { readmeCommands, readmeSandbox } from './helpers/readme.js';

const { address, namespace, cliPath } = inject('temporal');

/** README commands this test does not run, and where they are checked instead. */
const COVERED_ELSEWHERE: Record<string, string> = {
  'npm install': '.ci/run installs a clean clone (npm ci) before it runs the suite',
  'npm run demo': 'test/cli/dev-busy-port.test.ts runs `epochal demo` end to end and follows its closing link',
  'npm test': 'the suite itself; .ci/run runs it on a clean clone',
  'npx epochal weights import sleepnet.safetensors --net configs/sleepnet/net_params.json --out pretrained/sleepnet':
    'test/cli/weights-import.test.ts imports weights files this way: the report, the --out folder, a folder that exists, a broken file',
  'tensorboard --logdir runs': "test/report/run-reports.test.ts reads a run's scalars with TensorBoard's own reader",
};
/** Benchmarks are run by hand and print ratios measured side by side; they are never part of npm test. */
const BENCHMARK = /^(npx tsx bench\/|python3 -m venv \.venv-bench)/;

/** The sample configs at test size: the commands stay the README's, the runs take seconds. */
async function quickSamples(dir: string): Promise<void> {
  const sample = join(dir, 'configs', 'sleepnet-small');
  await editJson(join(sample, 'train_params.json'), (train) => {
    train.data.source.subjects = 12;
    train.data.source.nightEpochs = { min: 20, max: 30 };
    train.training.epochs = 4;
    train.training.epochsPerChunk = 1;
  });
  await editJson(join(sample, 'infer_params.json'), (infer) => {
    infer.data.source.subjects = 6;
    infer.data.source.nightEpochs = { min: 40, max: 60 };
    infer.shardSize = 2;
  });
}

describe.runIf(cliPath)('the README', () => {
  it('runs every shell command it shows against a real server and worker, or names the test that does', async () => {
    const commands = await readmeCommands();
    const ran = new Set<string>();
    const readme = (prefix: string): string => {
      const command = commands.find((line) => line.startsWith(prefix));
      if (!command) return expect.unreachable(`the README has no command starting "${prefix}"`);
      ran.add(command);
      return command;
    };
    const sandbox = await readmeSandbox(cliPath!, { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace }, quickSamples);
    const ok = async (command: string) => {
      const result = await sandbox.sh(command);
      expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    const startWorker = () => startUntil(process.execPath, [EPOCHAL_BIN, 'worker'], 'Worker polling', { cwd: sandbox.dir, env: sandbox.env });
    const steer = (verb: string, id: string) => ok(readme(`npx epochal ${verb} `).replace('<workflowId>', id));
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      // The provisioned Temporal CLI on PATH.
      const found = await ok(`${readme('export PATH=')} && command -v temporal`);
      expect(found.stdout.trim()).toBe(join(sandbox.dir, 'bin', 'temporal'));

      // A run started by hand, then steered. Signals need no worker, so the run is started and paused before
      // any worker runs it (it holds before its first chunk), and resumed and stopped while none does: the
      // steering is the same on every backend, however fast it trains.
      const started = await ok(readme('temporal workflow start --type trainingPipeline'));
      const byHand = started.stdout.match(/WorkflowId\s+(\S+)/)![1]!;
      const handle = client.workflow.getHandle<typeof trainingPipeline>(byHand);
      await steer('pause', byHand);
      worker = await startWorker();
      while ((await handle.query(progressQuery)).phase !== 'paused') await sleep(200);
      await steer('extend', byHand);
      await steer('set-learning-rate', byHand);
      expect((await steer('status', byHand)).stdout).toContain(`${byHand}: running, paused`);
      await stop(worker.child);
      await steer('resume', byHand);
      await steer('stop', byHand);
      worker = await startWorker();
      const steered = await handle.result();
      expect(steered.training).toMatchObject({ ended: 'stopped', epochs: 0 });
      // Its summary as given, and the readable details the workflow keeps itself.
      expect(await (await handle.describe()).staticSummary()).toBe('sleepnet-small, started by hand');
      const metadata = await ok(`temporal workflow metadata --workflow-id ${byHand}`);
      expect(metadata.stdout).toMatch(/Trained 0 epochs \(stopped\); exported the/);

      const trained = await ok(readme('npx epochal train '));
      const waited = trained.stdout.match(/Started trainingPipeline (\S+)/)![1]!;
      expect(trained.stdout).toContain(`Run ${waited} finished`);

      const listed = await ok(readme('temporal workflow list --query'));
      expect(listed.stdout).toContain(byHand);
      expect(listed.stdout).toContain(waited);
      const runs = await ok(readme('npx epochal runs list'));
      expect(runs.stdout).toMatch(new RegExp(`${byHand}\\s+completed\\s+done`));
      const compared = await ok(readme('npx epochal runs compare').replace('<runA>', byHand).replace('<runB>', waited));
      expect(compared.stdout).toMatch(/Comparison with overlaid curves: .*comparisons/);

      // Schedules: the triggered retraining trains and promotes the experiment's first champion.
      await ok(readme('npx epochal schedule create'));
      await ok(readme('npx epochal schedule trigger'));
      const schedule = client.schedule.getHandle('nightly-sleepnet');
      let retraining: string | undefined;
      while (!retraining) retraining = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
      expect(await client.workflow.getHandle(retraining).result() as RetrainingResult).toMatchObject({ experiment: 'sleepnet-small', promoted: true });
      await ok(readme('npx epochal schedule describe'));
      await ok(readme('npx epochal schedule pause'));
      await ok('npx epochal schedule delete nightly-sleepnet');
      await ok(readme('temporal schedule create').replace('/abs/path/', `${sandbox.dir}/`));
      await ok('temporal schedule delete --schedule-id nightly-sleepnet');

      // Inference with the champion, then the same job again by hand: every shard reused.
      const scored = await ok(readme('npx epochal infer '));
      expect(scored.stdout).toMatch(/rows/);
      await ok(readme('temporal workflow start --type batchInference'));
      const again = await client.workflow.getHandle('score-sleepnet-small').result() as BatchInferenceResult;
      expect(again.shards).toBeGreaterThan(0);
      expect(again.reusedShards).toBe(again.shards);
    } finally {
      if (worker) await stop(worker.child);
      await connection.close();
    }
    const unaccounted = commands.filter((command) => !ran.has(command) && !(command in COVERED_ELSEWHERE) && !BENCHMARK.test(command));
    expect(unaccounted, 'README commands neither run here nor covered elsewhere').toEqual([]);
  }, 600_000);
});
