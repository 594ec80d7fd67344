/**
 * The backends a test runs on: every one that starts on this machine (cpu
 * always; wasm; tensorflow where @tensorflow/tfjs-node is installed; webgpu on
 * a GPU). CI names the ones it provisioned in EPOCHAL_EXPECT_BACKENDS, and
 * `test/backend/select.test.ts` fails there if one of them cannot start.
 */
import { BACKEND_CANDIDATES, BACKEND_NAMES, type BackendName } from '../../src/backend/index.js';

const probes = await Promise.all(BACKEND_CANDIDATES.map(async (candidate) => ({ name: candidate.name, ok: (await candidate.probe()).ok })));

/** Every backend that starts here, best first. */
export const AVAILABLE_BACKENDS: readonly BackendName[] = BACKEND_NAMES.filter((name) => probes.some((probe) => probe.name === name && probe.ok));

/** The available backends other than cpu (which is the reference they are compared with). */
export const ACCELERATED_BACKENDS: readonly BackendName[] = AVAILABLE_BACKENDS.filter((name) => name !== 'cpu');
