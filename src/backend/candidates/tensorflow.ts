/**
 * The `tensorflow` backend: libtensorflow through `@tensorflow/tfjs-node-gpu`
 * (CUDA) or `@tensorflow/tfjs-node` (CPU). Both register the tfjs backend
 * named 'tensorflow'. Neither is a hard dependency: their install scripts
 * download libtensorflow, which not every machine can do
 * (`epochal provision tensorflow` builds it from PyPI instead).
 */
import * as tf from '@tensorflow/tfjs';
import { firstLine, isInstalled, once, type BackendCandidate, type Probe } from './candidate.js';
import { restoreUtilHelpersTfjsNodeCalls } from './node-util-compat.js';

const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const INSTALL_FIX =
  'npx epochal provision tensorflow (builds libtensorflow from PyPI and compiles @tensorflow/tfjs-node against it), ' +
  'or npm install @tensorflow/tfjs-node (@tensorflow/tfjs-node-gpu with CUDA 11.2) where its libtensorflow download is reachable; ' +
  'or use another backend (EPOCHAL_BACKEND=auto).';

async function probeTensorflow(installed: (packageName: string) => boolean): Promise<Probe> {
  const reasons: string[] = [];
  for (const packageName of PACKAGES) {
    if (!installed(packageName)) {
      reasons.push(`${packageName} is not installed`);
      continue;
    }
    try {
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '1'; // libtensorflow's INFO lines (oneDNN, CPU features) on every start
      restoreUtilHelpersTfjsNodeCalls(); // Node ≥ 23
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

/** libtensorflow, via tfjs-node-gpu, else tfjs-node, where `installed` says a package is (tests pass a machine without them). */
export function tensorflowCandidateWhere(installed: (packageName: string) => boolean): BackendCandidate {
  return { name: 'tensorflow', probe: once(() => probeTensorflow(installed)) };
}

/** libtensorflow, via tfjs-node-gpu, else tfjs-node. */
export const tensorflowCandidate: BackendCandidate = tensorflowCandidateWhere(isInstalled);
