/** Prints the batch order for (length, seed, epoch) as JSON: run in a separate process by the determinism test. */
import { batchOrder } from '../../src/data/batches.js';

const [length, seed, epoch] = process.argv.slice(2).map(Number);
console.log(JSON.stringify(batchOrder(length!, { seed: seed!, epoch: epoch! })));
