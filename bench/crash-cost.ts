/**
 * What a crash costs: `kill -9` of the training worker in the middle of a
 * chunk, a replacement worker started at once (as a supervisor would), and
 * the run left to resume by itself. For each checkpoint interval, side by
 * side in one run: the steps (and seconds) of work lost, against the interval,
 * and the time from the kill to the first resumed step, against the heartbeat
 * timeout that lets the server notice the dead worker.
 *
 *   npx tsx bench/crash-cost.ts [--intervals 5,20,200] [--kill-at 29] [--heartbeat-timeout 10] [--backend wasm]
 *
 * Work lost is at most one interval plus whatever the last (throttled, about
 * one a second) heartbeat had not yet reported; the wait is the heartbeat
 * timeout plus starting a training process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { setTemporalLogLevel } from '../src/temporal/logging.js';
import { createEpochalWorkers } from '../src/temporal/worker.js';
import type { trainingPipeline } from '../workflows/training-pipeline.js';

const { values } = parseArgs({
  options: {
    intervals: { type: 'string', default: '5,20,200' },
    'kill-at': { type: 'string', default: '29' },
    'heartbeat-timeout': { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const killAt = Number(values['kill-at']);
const BIN = fileURLToPath(new URL('../bin/epochal.js', import.meta.url));

setTemporalLogLevel('WARN');
const scratch = await mkdtemp(join(tmpdir(), 'epochal-crash-cost-'));
await cp(fileURLToPath(new URL('../configs/sleepnet-small/', import.meta.url)), scratch, { recursive: true });
const sample = JSON.parse(await readFile(join(scratch, 'train_params.json'), 'utf8'));

const server = await startDevServer({ ui: false });
const { connection, namespace } = await connectWorker({ address: server.address });
const client = await connectClient({ address: server.address });

interface Trace {
  pid: string;
  step: number;
  at: number;
}

async function traced(file: string): Promise<Trace[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, step, at] = line.split(' ');
      return { pid: pid!, step: Number(step), at: Number(at) };
    });
}

/** An `epochal worker` serving only the training queue, as its own process. */
async function trainingWorker(queue: string, artifactRoot: string, trace: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--task-queue', 'none', '--training-task-queue', queue, '--artifact-root', artifactRoot, '--backend', values.backend],
    { env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, EPOCHAL_TRACE_STEPS: trace } },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()).includes('Worker polling') && resolve());
    child.on('exit', (code) => reject(new Error(`the worker exited (${code}):\n${output}`)));
  });
  return child;
}

async function crashAt(interval: number) {
  const trainParams = join(scratch, `train_params.${interval}.json`);
  const epochs = 6;
  await writeFile(
    trainParams,
    JSON.stringify({
      ...sample,
      netParams: 'net_params.json',
      backend: values.backend,
      training: {
        ...sample.training,
        epochs,
        epochsPerChunk: epochs, // one chunk, so the kill lands inside it
        checkpointEverySteps: interval,
        heartbeatTimeoutSeconds: Number(values['heartbeat-timeout']),
        earlyStopping: undefined,
      },
    }),
  );
  const artifactRoot = join(scratch, `runs-${interval}`);
  const trace = join(scratch, `steps-${interval}.log`);
  const taskQueue = `crash-cost-${interval}`;
  const workers = await createEpochalWorkers({ connection, namespace, taskQueue, trainingTaskQueue: false, artifactRoot });
  return workers.runUntil((async () => {
    const first = await trainingWorker(`${taskQueue}-training`, artifactRoot, trace);
    const handle = await client.workflow.start<typeof trainingPipeline>('trainingPipeline', {
      taskQueue,
      workflowId: `crash-cost-${interval}`,
      args: [{ trainParams, trainingTaskQueue: `${taskQueue}-training` }],
    });
    while ((await traced(trace)).length < killAt) await sleep(5);
    first.kill('SIGKILL');
    const killedAt = Date.now();
    const second = await trainingWorker(`${taskQueue}-training`, artifactRoot, trace);
    try {
      await handle.result();
    } finally {
      second.kill('SIGKILL');
    }
    const steps = await traced(trace);
    const firstPid = steps[0]!.pid;
    const before = steps.filter((s) => s.pid === firstPid);
    const after = steps.filter((s) => s.pid !== firstPid);
    const lastStep = before.at(-1)!.step;
    const resumedFrom = after[0]!.step - 1;
    const stepSeconds = (before.at(-1)!.at - before[0]!.at) / 1000 / (before.length - 1);
    return {
      interval,
      killedAfter: lastStep,
      resumedFrom,
      lostSteps: lastStep - resumedFrom,
      lostSeconds: (lastStep - resumedFrom) * stepSeconds,
      waitSeconds: (after[0]!.at - killedAt) / 1000,
    };
  })());
}

const rows = [];
for (const interval of values.intervals.split(',').map(Number)) rows.push(await crashAt(interval));
await client.connection.close();
await connection.close();
await server.stop();

console.log(`\nkill -9 of the training worker after step ${killAt}; heartbeat timeout ${values['heartbeat-timeout']} s; backend ${values.backend}\n`);
console.log('checkpoint every  killed after  resumed from  steps lost  lost / interval  seconds lost  kill → resumed');
for (const r of rows) {
  console.log(
    `${String(r.interval).padStart(16)}  ${String(r.killedAfter).padStart(12)}  ${String(r.resumedFrom).padStart(12)}  ${String(r.lostSteps).padStart(10)}  ` +
      `${(r.lostSteps / r.interval).toFixed(2).padStart(15)}  ${r.lostSeconds.toFixed(2).padStart(12)}  ${r.waitSeconds.toFixed(1).padStart(12)} s`,
  );
}
