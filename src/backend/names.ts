/**
 * The vocabulary of backend selection: which TensorFlow.js backends Epochal
 * knows, what a caller may ask for, and what it gets back.
 */

/** A TensorFlow.js backend Epochal can run on, best first. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** What a caller may ask for: one backend, or `auto` (the best one this worker can start). */
export type BackendRequest = 'auto' | BackendName;

/** Every backend, in the order `auto` tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Every accepted request. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

/** A backend that was tried and passed over. */
export interface SkippedBackend {
  name: BackendName;
  /** Why it could not be used here, as one sentence. */
  reason: string;
}

/** The backend TensorFlow.js is running on after `useBackend`. */
export interface ActiveBackend {
  name: BackendName;
  /** The name TensorFlow.js knows it by (`tf.getBackend()`). */
  tfjsBackend: string;
  /** The npm package that provides it. */
  package: string;
  /** The candidates `auto` tried first, with why each was passed over; empty for an explicit request. */
  skipped: SkippedBackend[];
}

/** Whether a string names an accepted backend request. */
export function isBackendRequest(value: string): value is BackendRequest {
  return (BACKEND_REQUESTS as readonly string[]).includes(value);
}
