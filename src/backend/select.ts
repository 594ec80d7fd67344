/**
 * Backend selection: `useBackend('auto')` starts the best TensorFlow.js
 * backend this worker has (tensorflow, then webgpu on a hardware adapter, then
 * wasm, then cpu) and says why it passed over the better ones; an explicit
 * request either gets that backend or a retryable `BackendUnavailableError`,
 * since another worker may have it. `EPOCHAL_BACKEND` overrides the request.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from '../errors.js';
import { firstLine, type BackendCandidate } from './candidates/candidate.js';
import { cpuCandidate } from './candidates/cpu.js';
import { tensorflowCandidate } from './candidates/tensorflow.js';
import { wasmCandidate } from './candidates/wasm.js';
import { webgpuCandidate } from './candidates/webgpu.js';
import { correctCpuKernels, registerMissingGradients } from './missing-gradients.js';
import type { ActiveBackend, BackendRequest } from './names.js';
import { BACKEND_ENV_VAR, effectiveBackendRequest } from './request.js';

/** The candidates `auto` tries, best first. */
export const BACKEND_CANDIDATES: readonly BackendCandidate[] = [tensorflowCandidate, webgpuCandidate, wasmCandidate, cpuCandidate];

/**
 * Makes the global `@tensorflow/tfjs` run on the requested backend, after
 * applying this worker's `EPOCHAL_BACKEND` override. Cheap and idempotent:
 * each backend is probed and initialised once per process.
 *
 * @param request - A backend name, or `auto` for the best one available.
 * @returns The backend now active, and what `auto` passed over on the way.
 * @throws BackendUnavailableError (retryable) when no requested backend can start here.
 */
export async function useBackend(request: BackendRequest): Promise<ActiveBackend> {
  return selectBackend(effectiveBackendRequest(request), BACKEND_CANDIDATES);
}

/**
 * Tries `candidates` in order (all of them for `auto`, else the named one) and
 * activates the first that probes usable; registers the gradients TensorFlow.js
 * lacks on every backend. `useBackend` with the candidates made explicit, so
 * the policy can be tested without the machine's packages.
 */
export async function selectBackend(request: BackendRequest, candidates: readonly BackendCandidate[]): Promise<ActiveBackend> {
  registerMissingGradients();
  correctCpuKernels();
  const tried = request === 'auto' ? candidates : candidates.filter((candidate) => candidate.name === request);
  const attempts: { name: BackendCandidate['name']; reason: string; fix: string }[] = [];
  for (const candidate of tried) {
    const probe = await candidate.probe();
    if (!probe.ok) {
      attempts.push({ name: candidate.name, reason: probe.reason, fix: probe.fix });
      continue;
    }
    const failure = await activate(probe.tfjsBackend);
    if (failure === undefined) {
      const skipped = attempts.map(({ name, reason }) => ({ name, reason }));
      return { name: candidate.name, tfjsBackend: tf.getBackend(), package: probe.package, skipped };
    }
    attempts.push({
      name: candidate.name,
      reason: `${probe.package} loaded, but tf.setBackend('${probe.tfjsBackend}') failed (${failure}).`,
      fix: 'see the warning TensorFlow.js printed, or use another backend (EPOCHAL_BACKEND=auto).',
    });
  }
  throw new BackendUnavailableError(unavailableMessage(request, attempts), request, attempts);
}

/** Sets the global tfjs backend unless it is already active; returns why it failed, or undefined. */
async function activate(tfjsBackend: string): Promise<string | undefined> {
  if (tf.getBackend() === tfjsBackend) return undefined;
  try {
    const ok = await tf.setBackend(tfjsBackend);
    await tf.ready();
    if (ok && tf.getBackend() === tfjsBackend) return undefined;
    return 'its initialiser failed';
  } catch (error) {
    return firstLine(error);
  }
}

function unavailableMessage(request: BackendRequest, attempts: readonly { name: string; reason: string; fix: string }[]): string {
  const headline =
    request === 'auto' ? 'No TensorFlow.js backend can start on this worker:' : `The "${request}" TensorFlow.js backend cannot start on this worker:`;
  return [
    headline,
    ...attempts.map(({ name, reason, fix }) => `  ${name}: ${reason} Fix: ${fix}`),
    `Another worker may have it, so this is retried; ${BACKEND_ENV_VAR}=<backend> sets the backend per worker.`,
  ].join('\n');
}
