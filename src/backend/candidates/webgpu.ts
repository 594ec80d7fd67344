/**
 * The `webgpu` backend in Node: Dawn (the `webgpu` package) provides
 * `navigator.gpu`, and `@tensorflow/tfjs-backend-webgpu` runs on it. Only a
 * hardware adapter counts: a software (fallback) one such as SwiftShader or
 * llvmpipe is slower than wasm, so the probe passes over it.
 */
import * as tf from '@tensorflow/tfjs';
import { firstLine, isInstalled, once, type BackendCandidate, type Probe } from './candidate.js';

const DAWN_PACKAGE = 'webgpu';
const TFJS_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** The parts of Dawn's WebGPU API the probe reads (kept local so `@webgpu/types` stays out of the global types). */
interface Adapter {
  isFallbackAdapter?: boolean;
  info?: AdapterInfo;
}
interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<Adapter | null>;
}
interface DawnModule {
  create(options: string[]): Gpu;
  /** The WebGPU constants and classes a browser has as globals (`GPUBufferUsage`, …). */
  globals: Record<string, unknown>;
}

/** Names of the software rasterisers Dawn can expose as adapters. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** Describes an adapter for messages: "NVIDIA H100 (nvidia, hopper)". */
export function describeAdapter(info: AdapterInfo | undefined): string {
  if (!info) return 'no adapter info';
  const name = info.description || info.device || 'unnamed adapter';
  const detail = [info.vendor, info.architecture].filter(Boolean).join(', ');
  return detail ? `${name} (${detail})` : name;
}

/** Whether an adapter is a software (CPU) one rather than a GPU. */
export function isSoftwareAdapter(adapter: Adapter): boolean {
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) return true;
  const info = adapter.info;
  return [info?.vendor, info?.architecture, info?.device, info?.description].some((text) => text && SOFTWARE_ADAPTER.test(text));
}

/**
 * Gives Node the browser's WebGPU globals from Dawn: `navigator.gpu` and the
 * constants tfjs-backend-webgpu uses (`GPUBufferUsage`, `GPUMapMode`, …).
 * tfjs-backend-webgpu registers its backend only if `navigator.gpu` exists
 * when it is first imported, so this must run before that import; it runs
 * only once a hardware adapter is found, because other libraries take a
 * global `navigator` as a sign of a browser. Existing globals are kept.
 */
function exposeWebgpuGlobals(dawn: DawnModule, gpu: Gpu): void {
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const global = globalThis as { navigator?: { gpu?: unknown } };
  if (global.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (global.navigator.gpu === undefined) {
    Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

const NO_ADAPTER_FIX =
  'run this worker on a machine with a GPU and its Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver, ' +
  'or use another backend (EPOCHAL_BACKEND=auto). On Linux Dawn needs the Vulkan loader (libvulkan.so.1, e.g. ' +
  'apt install libvulkan1); on a headless NVIDIA machine whose ICD names libGLX_nvidia.so.0, point VK_ICD_FILENAMES ' +
  'at a manifest naming libEGL_nvidia.so.0 instead.';

async function probeWebgpu(): Promise<Probe> {
  if (!isInstalled(DAWN_PACKAGE) || !isInstalled(TFJS_PACKAGE)) {
    const missing = [DAWN_PACKAGE, TFJS_PACKAGE].filter((name) => !isInstalled(name));
    return { ok: false, reason: `${missing.join(' and ')} not installed.`, fix: `npm install ${missing.join(' ')}.` };
  }
  let dawn: DawnModule;
  let gpu: Gpu;
  try {
    const dawnSpecifier: string = DAWN_PACKAGE;
    dawn = (await import(dawnSpecifier)) as DawnModule;
    gpu = dawn.create([]);
  } catch (error) {
    return { ok: false, reason: `Dawn (the ${DAWN_PACKAGE} package) failed to load (${firstLine(error)}).`, fix: `reinstall ${DAWN_PACKAGE}.` };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter found (Dawn found no Vulkan, Metal or D3D12 GPU).', fix: NO_ADAPTER_FIX };
  if (isSoftwareAdapter(adapter)) {
    return {
      ok: false,
      reason: `only a software (fallback) WebGPU adapter was found: ${describeAdapter(adapter.info)}.`,
      fix: NO_ADAPTER_FIX,
    };
  }
  exposeWebgpuGlobals(dawn, gpu);
  // A non-literal specifier keeps its `@webgpu/types` globals out of Epochal's type check.
  const tfjsSpecifier: string = TFJS_PACKAGE;
  await import(tfjsSpecifier);
  if (!tf.findBackendFactory('webgpu')) {
    return {
      ok: false,
      reason: `${TFJS_PACKAGE} registered no 'webgpu' backend (it was imported before navigator.gpu existed).`,
      fix: `import ${TFJS_PACKAGE} only through useBackend.`,
    };
  }
  return { ok: true, tfjsBackend: 'webgpu', package: TFJS_PACKAGE };
}

/** WebGPU on a hardware adapter, through Dawn. */
export const webgpuCandidate: BackendCandidate = { name: 'webgpu', probe: once(probeWebgpu) };
