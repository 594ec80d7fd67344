/**
 * The `wasm` backend: XNNPACK compiled to WebAssembly, with the training
 * kernels it lacks registered by `registerWasmTrainingKernels`. Its `.wasm`
 * binaries are read from the installed package folder, never fetched, and the
 * module is initialised once per process (the probe is memoised).
 */
import { dirname, sep } from 'node:path';
import { registerWasmTrainingKernels } from '../wasm-kernels.js';
import { firstLine, isInstalled, once, resolvePackage, type BackendCandidate, type Probe } from './candidate.js';

const PACKAGE = '@tensorflow/tfjs-backend-wasm';

async function probeWasm(): Promise<Probe> {
  if (!isInstalled(PACKAGE)) {
    return { ok: false, reason: `${PACKAGE} is not installed.`, fix: `npm install ${PACKAGE}@4.22.0 (the version of @tensorflow/tfjs).` };
  }
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The binaries sit next to the package's Node entry point (dist/).
    wasm.setWasmPaths(`${dirname(resolvePackage(PACKAGE))}${sep}`);
  } catch (error) {
    return { ok: false, reason: `${PACKAGE} failed to load (${firstLine(error)}).`, fix: `reinstall ${PACKAGE}.` };
  }
  registerWasmTrainingKernels();
  return { ok: true, tfjsBackend: 'wasm', package: PACKAGE };
}

/** WebAssembly (XNNPACK) kernels plus Epochal's training kernels. */
export const wasmCandidate: BackendCandidate = { name: 'wasm', probe: once(probeWasm) };
