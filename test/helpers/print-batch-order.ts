/** Prints the batch order for (seed, epoch, ...shard sizes) as JSON: run in a separate process by the determinism test. */
import { batchOrder } from '../../src/data/batches.js';

const [seed, epoch, ...shardSizes] = process.argv.slice(2).map(Number);
console.log(JSON.stringify(batchOrder(shardSizes, { seed: seed!, epoch: epoch! })));
