/**
 * TensorFlow.js backends: pick one per worker (`useBackend`), and the training
 * kernels the wasm backend lacks (registered when wasm is first used).
 */
export { BACKEND_NAMES, BACKEND_REQUESTS, isBackendRequest } from './names.js';
export type { ActiveBackend, BackendName, BackendRequest, SkippedBackend } from './names.js';
export { BACKEND_ENV_VAR, effectiveBackendRequest } from './request.js';
export { BACKEND_CANDIDATES, selectBackend, useBackend } from './select.js';
export type { BackendCandidate, Probe } from './candidates/candidate.js';
export { registerWasmTrainingKernels, shippedWasmKernel, WASM_TRAINING_KERNELS } from './wasm-kernels.js';
export { MISSING_GRADIENTS, registerMissingGradients } from './missing-gradients.js';
