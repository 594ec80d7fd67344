/**
 * One measured step of bench/data-pipeline.ts, in a process of its own so its
 * peak resident memory is its own: `prepare <train_params> <cacheRoot>` or
 * `stream <preparedDir> <batchSize>`. Prints one JSON line.
 */
import { stat } from 'node:fs/promises';
import { loadTrainConfig } from '../src/config/load.js';
import { batches } from '../src/data/batches.js';
import { prepareData } from '../src/data/prepare.js';
import { PreparedData } from '../src/data/prepared.js';
import { SPLITS } from '../src/data/split.js';

const [mode, first, second] = process.argv.slice(2) as [string, string, string];
const peakMb = () => process.resourceUsage().maxRSS / 1024;
const started = performance.now();

if (mode === 'prepare') {
  const { train } = await loadTrainConfig(first);
  const ref = await prepareData(train.data, { cacheRoot: second });
  const seconds = (performance.now() - started) / 1000;
  const prepared = (await PreparedData.open(ref.dir))!;
  const written = SPLITS.flatMap((split) => prepared.index.splits[split].shards).reduce((total, shard) => total + shard.bytes, 0);
  const source = train.data.source as { path?: string };
  const inputMb = source.path ? (await stat(source.path)).size / 2 ** 20 : undefined;
  console.log(JSON.stringify({ dir: ref.dir, records: ref.processed, inputMb, preparedMb: written / 2 ** 20, seconds, peakMb: peakMb() }));
} else {
  const prepared = (await PreparedData.open(first))!;
  let records = 0;
  for (const split of SPLITS) {
    for await (const batch of batches(prepared, split, { batchSize: Number(second), shuffle: { seed: 1, epoch: 1 }, reuseArrays: true })) {
      records += batch.ids.length;
    }
  }
  console.log(JSON.stringify({ records, seconds: (performance.now() - started) / 1000, peakMb: peakMb() }));
}
