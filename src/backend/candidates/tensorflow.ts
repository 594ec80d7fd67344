/**
 * The `tensorflow` backend: libtensorflow through `@tensorflow/tfjs-node-gpu`
 * (CUDA) or `@tensorflow/tfjs-node` (CPU). Both register the tfjs backend
 * named 'tensorflow'. Neither is a hard dependency: their install scripts
 * download libtensorflow, which not every machine can do.
 */
import * as tf from '@tensorflow/tfjs';
import { firstLine, isInstalled, once, type BackendCandidate, type Probe } from './candidate.js';

const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const INSTALL_FIX =
  'npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA) with install scripts allowed, ' +
  'since they download libtensorflow; or use another backend (EPOCHAL_BACKEND=auto).';

async function probeTensorflow(): Promise<Probe> {
  const reasons: string[] = [];
  for (const packageName of PACKAGES) {
    if (!isInstalled(packageName)) {
      reasons.push(`${packageName} is not installed`);
      continue;
    }
    try {
      await import(packageName);
    } catch (error) {
      reasons.push(`${packageName} is installed but failed to load (${firstLine(error)})`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow')) return { ok: true, tfjsBackend: 'tensorflow', package: packageName };
    reasons.push(`${packageName} loaded but registered no 'tensorflow' backend with @tensorflow/tfjs (a second copy of @tensorflow/tfjs-core?)`);
  }
  return { ok: false, reason: `${reasons.join('; ')}.`, fix: INSTALL_FIX };
}

/** libtensorflow, via tfjs-node-gpu, else tfjs-node. */
export const tensorflowCandidate: BackendCandidate = { name: 'tensorflow', probe: once(probeTensorflow) };
