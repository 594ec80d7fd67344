/**
 * prepareData's memory as the data grows tenfold: the SleepNet sample's
 * synthetic ECG nights (configs/sleepnet: 40 nights of 600–960 30-s epochs at
 * 256 Hz) and, for contrast, tiny CSV rows (where anything kept per record
 * would show first), each prepared at 1× and 10× the records, side by side in
 * one run:
 *
 *   npx tsx bench/prepare-memory.ts [--subjects 40] [--hz 256] [--rows 20000]
 *
 * Each preparation runs as the prepareData activity runs it: in a fresh stage
 * process (src/pipeline/stage-process.ts) with the worker's heap cap, which
 * reports its own peak resident memory. The goal: peak RSS at 10× within 1.3×
 * of 1× (memory flat in the record count). The defaults write about 1 GB and
 * 10 GB of shards to the temp folder, removed as it goes; `--hz 32` is a quick run
 * (`--rows 0` skips the CSV rows).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataConfig } from '../src/config/data/data.js';
import { PreparedData } from '../src/data/prepared.js';
import { SPLITS } from '../src/data/split.js';
import { prepareDataInProcess, stageMemoryMb } from '../src/pipeline/stage-process.js';

const { values } = parseArgs({ options: { subjects: { type: 'string', default: '40' }, hz: { type: 'string', default: '256' }, rows: { type: 'string', default: '20000' } } });
const GOAL = 1.3;

interface Workload {
  name: string;
  unit: string;
  /** The data config at `scale`, with any input files written under `dir`. */
  data(dir: string, scale: number): Promise<{ data: DataConfig; count: number }>;
}

const sleepnet: Workload = {
  name: `SleepNet sample nights (synthetic ECG, ${values.hz} Hz)`,
  unit: 'nights',
  async data(_dir, scale) {
    const sample = JSON.parse(await readFile(fileURLToPath(new URL('../configs/sleepnet/train_params.json', import.meta.url)), 'utf8'));
    const count = Number(values.subjects) * scale;
    Object.assign(sample.data.source, { subjects: count, samplingRateHz: Number(values.hz) });
    return { data: DataConfig.parse(sample.data), count };
  },
};

const FEATURES = Array.from({ length: 32 }, (_, f) => `f${f}`);
const csvRows: Workload = {
  name: 'CSV rows (32 features, 500 groups)',
  unit: 'rows',
  async data(dir, scale) {
    const count = Number(values.rows) * scale;
    const path = join(dir, 'data.csv');
    const out = createWriteStream(path);
    out.write(`id,group,${FEATURES.join(',')},label\n`);
    for (let i = 0; i < count; i++) {
      const line = `${i},g${i % 500},${FEATURES.map((_, f) => Math.sin(i * 0.001 + f).toFixed(5)).join(',')},${i % 3}\n`;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const data = DataConfig.parse({ source: { type: 'csv', path, features: FEATURES, label: 'label', id: 'id', group: 'group' }, classes: ['a', 'b', 'c'] });
    return { data, count };
  },
};

async function measure(workload: Workload, scale: number) {
  const dir = await mkdtemp(join(tmpdir(), `epochal-prepare-memory-${scale}x-`));
  try {
    const { data, count } = await workload.data(dir, scale);
    let peakMb = Number.NaN;
    const started = performance.now();
    const ref = await prepareDataInProcess(data, join(dir, 'prepared'), { onPeakRss: (mb) => (peakMb = mb) });
    const seconds = (performance.now() - started) / 1000;
    const prepared = (await PreparedData.open(ref.dir))!;
    const bytes = SPLITS.flatMap((split) => prepared.index.splits[split].shards).reduce((total, shard) => total + shard.bytes, 0);
    return { scale, count, seconds, preparedMb: bytes / 2 ** 20, peakMb };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`stage process heap cap: ${stageMemoryMb()} MB (EPOCHAL_STAGE_MEMORY_MB, else half the machine's memory, at most 4 GB)`);
for (const workload of Number(values.rows) > 0 ? [sleepnet, csvRows] : [sleepnet]) {
  const results = [await measure(workload, 1), await measure(workload, 10)];
  console.log(`\n${workload.name}`);
  console.log(`size  ${workload.unit.padEnd(7)}  seconds  prepared MB  stage peak RSS`);
  for (const r of results) {
    console.log(
      [`${r.scale}×`.padEnd(4), String(r.count).padStart(7), r.seconds.toFixed(1).padStart(7), r.preparedMb.toFixed(0).padStart(11), `${r.peakMb.toFixed(0)} MB`.padStart(14)].join('  '),
    );
  }
  const ratio = results[1]!.peakMb / results[0]!.peakMb;
  console.log(`stage peak RSS 10× / 1×: ${ratio.toFixed(2)} (goal ≤ ${GOAL}: ${ratio <= GOAL ? 'met' : 'missed'})`);
}
