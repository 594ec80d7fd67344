/**
 * The `cpu` backend: plain JavaScript, bundled with `@tensorflow/tfjs`. Always
 * available, and the slowest; the reference the other backends are tested against.
 */
import * as tf from '@tensorflow/tfjs';
import { once, type BackendCandidate } from './candidate.js';

/** Pure-JavaScript kernels; always available. */
export const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  probe: once(async () => {
    silenceNodeBanner();
    return { ok: true, tfjsBackend: 'cpu', package: '@tensorflow/tfjs-backend-cpu' };
  }),
};

/**
 * The cpu backend prints a banner urging tfjs-node on its first use in Node.
 * `auto` already tries tfjs-node first and reports why it passed over it, so
 * the banner only adds noise to CLI output and logs.
 */
function silenceNodeBanner(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (backend) backend.firstUse = false;
}
