/**
 * Memory- and CPU-heavy orchestration stages (preparing training or inference
 * data, building the model) run in a child process with a capped heap, so a
 * job that asks for too much kills only that process, never the worker with
 * the workflows of everyone else, and the worker's event loop stays free for
 * heartbeats and workflow tasks. A child that runs out of heap is a
 * non-retryable `ResourceLimitError` naming what sizes the work; a child that
 * dies otherwise is a plain (retryable) error. Progress (a phase, and how far
 * it has come) comes back over IPC; cancelling kills the child.
 */
import type { ChildProcess } from 'node:child_process';
import { totalmem } from 'node:os';
import type { DataConfig } from '../config/data/data.js';
import type { DataSource } from '../config/data/sources.js';
import type { PreparedRef } from '../data/prepare.js';
import type { PrepareProgress } from '../data/progress.js';
import { pluginModules } from '../data/registry.js';
import { deserializeError, ResourceLimitError, type SerializedError } from '../errors.js';
import type { Preprocessing } from '../infer/model-package.js';
import type { InferenceInput, InferenceInputOptions } from '../infer/prepare-input.js';
import { forkOwnModule, ownModule } from '../process/own-module.js';
import type { BuildModelInput, BuildPhase, BuiltModel } from './build-model.js';

/** What the stage process can do. */
export type StageTask =
  | { type: 'prepareData'; data: DataConfig; cacheRoot: string }
  | { type: 'prepareInference'; source: DataSource; inputs: Record<string, string>; preprocessing: Preprocessing; options: Omit<InferenceInputOptions, 'onProgress'> }
  | { type: 'buildModel'; input: BuildModelInput };

/**
 * Where a stage has got to: a phase of preparing data with its counts, or a
 * step of building the model (which cannot count, so its counts are 0).
 */
export type StageProgress = PrepareProgress | { phase: BuildPhase; done: 0; total: 0 };

export type StageParentMessage = { task: StageTask; plugins: string[] };
export type StageChildMessage =
  | ({ kind: 'progress' } & StageProgress)
  | { kind: 'result'; result: unknown; peakRssMb: number }
  | { kind: 'error'; error: SerializedError };

const CHILD = ownModule(import.meta.url, './stage-child');
/**
 * The young generation's semi-space, in MB (V8's default grows to 16). A
 * record's arrays die young, and their memory (outside the JS heap) is freed
 * only when the young generation is next collected: a small one is collected
 * often, so dead records never pile up and the peak stays flat however many
 * records there are. bench/prepare-memory.ts, SleepNet sample at 32 Hz, 40 →
 * 400 nights: stage peak RSS 132 → 141 MB with 4, 159 → 216 MB with V8's default.
 */
const SEMI_SPACE_MB = 4;
const OUT_OF_HEAP = /heap out of memory|Reached heap limit|Allocation failed/i;

/** The heap a stage process gets: `EPOCHAL_STAGE_MEMORY_MB`, else half the machine's memory, between 512 MB and 4 GB. */
export function stageMemoryMb(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.EPOCHAL_STAGE_MEMORY_MB);
  if (Number.isFinite(configured) && configured >= 64) return Math.floor(configured);
  return Math.max(512, Math.min(4096, Math.floor(totalmem() / 2 / 1024 / 1024)));
}

export interface StageOptions {
  heapMb?: number;
  /** Progress as the child reports it (at most a few times a second, and at each new phase). */
  onProgress?: (done: number, total: number, progress: StageProgress) => void;
  signal?: AbortSignal;
  /** Called with the child's peak resident memory (MB) when it has finished (for benchmarks and logs). */
  onPeakRss?: (mb: number) => void;
}

export function prepareDataInProcess(data: DataConfig, cacheRoot: string, options: StageOptions = {}): Promise<PreparedRef> {
  return runStage({ type: 'prepareData', data, cacheRoot }, sizesOf(data.source, ['data', 'source']), options) as Promise<PreparedRef>;
}

export function prepareInferenceInProcess(task: Omit<Extract<StageTask, { type: 'prepareInference' }>, 'type'>, options: StageOptions = {}): Promise<InferenceInput> {
  return runStage({ type: 'prepareInference', ...task }, { ...sizesOf(task.source, ['data', 'source']), shardSize: task.options.shardSize }, options) as Promise<InferenceInput>;
}

/** Builds the model (see `build-model.ts`) in a stage process: TensorFlow.js work stays off the worker's event loop. */
export function buildModelInProcess(input: BuildModelInput, options: StageOptions = {}): Promise<BuiltModel> {
  return runStage({ type: 'buildModel', input }, {}, options) as Promise<BuiltModel>;
}

function runStage(task: StageTask, sizes: Record<string, number>, options: StageOptions): Promise<unknown> {
  const heapMb = options.heapMb ?? stageMemoryMb();
  const child = forkOwnModule(CHILD, { execArgv: [`--max-old-space-size=${heapMb}`, `--max-semi-space-size=${SEMI_SPACE_MB}`], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  return new Promise((resolve, reject) => {
    const kill = () => child.kill('SIGKILL');
    const done = (outcome: () => void) => {
      options.signal?.removeEventListener('abort', kill);
      child.removeAllListeners('message').removeAllListeners('exit');
      if (child.exitCode === null) child.kill();
      outcome();
    };
    child.on('message', (message: StageChildMessage) => {
      if (message.kind === 'progress') {
        const { kind: _, ...progress } = message;
        options.onProgress?.(progress.done, progress.total, progress);
      } else if (message.kind === 'result') {
        options.onPeakRss?.(message.peakRssMb);
        done(() => resolve(message.result));
      } else done(() => reject(deserializeError(message.error)));
    });
    child.once('exit', (code, signal) => done(() => reject(exitError(child, code, signal, stderr, task, heapMb, sizes, options.signal))));
    options.signal?.addEventListener('abort', kill, { once: true });
    child.send({ task, plugins: pluginModules() ?? [] } satisfies StageParentMessage);
  });
}

function exitError(_child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderr: string, task: StageTask, heapMb: number, sizes: Record<string, number>, abort?: AbortSignal): Error {
  if (abort?.aborted) return new Error(`${task.type} was cancelled.`);
  if (!OUT_OF_HEAP.test(stderr)) return new Error(`The ${task.type} process exited (${signal ?? `code ${code}`}) before finishing.`);
  const listed = Object.entries(sizes).map(([path, value]) => `${path} = ${value}`).join(', ');
  const { doing, sizedBy, smaller } =
    task.type === 'buildModel'
      ? { doing: 'Building the model', sizedBy: `the network (${task.input.netSourceFile ?? 'net_params'})`, smaller: 'make the network smaller (fewer or narrower blocks)' }
      : {
          doing: task.type === 'prepareData' ? 'Preparing the data' : 'Preparing the inference input',
          sizedBy: listed || 'the data source',
          smaller: 'make the data smaller (lower those values, or split the files)',
        };
  return new ResourceLimitError(
    `${doing} ran out of memory: it needs more than the ${heapMb} MB this worker gives the stage. The work is sized by ${sizedBy}. ` +
      `Fix: ${smaller}, or give the stage more memory (EPOCHAL_STAGE_MEMORY_MB on the worker).`,
    heapMb,
    sizes,
  );
}

/** The numbers in a data source (with their JSON paths): what sizes the work. */
function sizesOf(source: DataSource, prefix: string[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'number' && path.at(-1) !== 'seed') sizes[path.join('.')] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
  };
  walk(source, prefix);
  return sizes;
}
