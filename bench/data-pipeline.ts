/**
 * Data preparation throughput and streaming memory at 1× and 10× dataset
 * size, side by side in one run, for the two shapes of data Epochal handles:
 * ECG nights (large sequence records; synthetic, 32 Hz) and tabular CSV rows
 * (tiny records):
 *
 *   npx tsx bench/data-pipeline.ts [--nights 12] [--rows 20000]
 *
 * Each step (prepare, then stream every shuffled batch of every split) runs
 * in a fresh Node process so its peak RSS is its own. Batches are read lazily,
 * so streaming memory should stay flat (within 20 %) as the data grows tenfold.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { nights: { type: 'string', default: '12' }, rows: { type: 'string', default: '20000' } } });
const child = fileURLToPath(new URL('./data-child.ts', import.meta.url));
const FEATURES = Array.from({ length: 32 }, (_, f) => `f${f}`);

interface Workload {
  name: string;
  unit: string;
  batchSize: number;
  write(dir: string, scale: number): Promise<{ trainParams: string; count: number }>;
}

const ecg: Workload = {
  name: 'ECG nights (synthetic, 32 Hz, 800–900 epochs)',
  unit: 'nights',
  batchSize: 4,
  async write(dir, scale) {
    const count = Number(values.nights) * scale;
    const trainParams = join(dir, 'train_params.json');
    await writeFile(
      trainParams,
      JSON.stringify({
        experiment: 'bench',
        netParams: join(fileURLToPath(new URL('../configs/sleepnet-small/net_params.json', import.meta.url))),
        data: {
          source: { type: 'syntheticEcg', subjects: count, nightEpochs: { min: 800, max: 900 }, samplingRateHz: 32, seed: 1 },
          inputs: { epoch_mask: 'mask' },
          classes: ['W', 'N1', 'N2', 'N3', 'REM'],
        },
        training: { epochs: 1 },
      }),
    );
    return { trainParams, count };
  },
};

const csv: Workload = {
  name: 'CSV rows (32 features)',
  unit: 'rows',
  batchSize: 256,
  async write(dir, scale) {
    const count = Number(values.rows) * scale;
    const out = createWriteStream(join(dir, 'data.csv'));
    out.write(`id,group,${FEATURES.join(',')},label\n`);
    for (let i = 0; i < count; i++) {
      const line = `${i},g${i % 500},${FEATURES.map((_, f) => Math.sin(i * 0.001 + f).toFixed(5)).join(',')},${i % 3}\n`;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const trainParams = join(dir, 'train_params.json');
    await writeFile(
      trainParams,
      JSON.stringify({
        experiment: 'bench',
        netParams: { name: 'bench', inputs: { features: { shape: [32] } }, blocks: { out: { type: 'head', input: 'features', units: 3 } }, outputs: ['out'] },
        data: { source: { type: 'csv', path: 'data.csv', features: FEATURES, label: 'label', id: 'id', group: 'group' }, classes: ['a', 'b', 'c'] },
        training: { epochs: 1 },
      }),
    );
    return { trainParams, count };
  },
};

function measure(args: string[]): Record<string, number> {
  const output = execFileSync(process.execPath, ['--import', 'tsx', child, ...args], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop()!) as Record<string, number>;
}

for (const workload of [ecg, csv]) {
  const results = [];
  for (const scale of [1, 10]) {
    const dir = await mkdtemp(join(tmpdir(), `epochal-bench-${scale}x-`));
    try {
      const { trainParams, count } = await workload.write(dir, scale);
      const prepared = measure(['prepare', trainParams, join(dir, 'prepared')]);
      const streamed = measure(['stream', String(prepared.dir), String(workload.batchSize)]);
      results.push({ scale, count, prepared, streamed });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(`\n${workload.name}, batches of ${workload.batchSize}`);
  console.log(`size  ${workload.unit.padEnd(8)} input MB/s  prepared MB  prepared MB/s  prepare peak RSS  stream peak RSS`);
  for (const { scale, count, prepared, streamed } of results) {
    console.log(
      [
        `${scale}×`.padEnd(5),
        String(count).padEnd(8),
        (prepared.inputMb === undefined ? '—' : (prepared.inputMb / prepared.seconds!).toFixed(1)).padStart(10),
        prepared.preparedMb!.toFixed(1).padStart(11),
        (prepared.preparedMb! / prepared.seconds!).toFixed(1).padStart(13),
        `${prepared.peakMb!.toFixed(0)} MB`.padStart(16),
        `${streamed.peakMb!.toFixed(0)} MB`.padStart(15),
      ].join('  '),
    );
  }
  const ratio = results[1]!.streamed.peakMb! / results[0]!.streamed.peakMb!;
  console.log(`streaming peak RSS 10× / 1×: ${ratio.toFixed(2)} (${ratio <= 1.2 ? 'flat: within 20 %' : 'grows more than 20 %'})`);
}
