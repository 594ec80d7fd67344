/**
 * Backend selection on this machine and with stand-in candidates: what `auto`
 * picks and why it passed over the others, what an explicit request that
 * cannot be met says, and the per-worker `EPOCHAL_BACKEND` override.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BACKEND_CANDIDATES,
  effectiveBackendRequest,
  selectBackend,
  useBackend,
  type BackendCandidate,
  type BackendName,
  type Probe,
} from '../../src/backend/index.js';
import { tensorflowCandidateWhere } from '../../src/backend/candidates/tensorflow.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { toTemporalFailure } from '../../src/temporal/failures.js';

const require = createRequire(import.meta.url);
const installed = (name: string) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
const hasLibtensorflow = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

/** The probes of the real candidates, in `auto` order. */
async function realProbes(): Promise<{ name: BackendName; probe: Probe }[]> {
  return Promise.all(BACKEND_CANDIDATES.map(async (candidate) => ({ name: candidate.name, probe: await candidate.probe() })));
}

/** This machine's candidates, except that neither tfjs-node package is installed (the tensorflow probe is the real one). */
const withoutTfjsNode = (): BackendCandidate[] =>
  BACKEND_CANDIDATES.map((candidate) => (candidate.name === 'tensorflow' ? tensorflowCandidateWhere(() => false) : candidate));

/** A stand-in candidate whose probe answers `probe` and counts its calls. */
function fake(name: BackendName, probe: Probe): BackendCandidate & { probe: ReturnType<typeof vi.fn> } {
  return { name, probe: vi.fn(async () => probe) };
}
const unusable = (reason: string): Probe => ({ ok: false, reason, fix: 'install it' });
const usableAs = (tfjsBackend: string): Probe => ({ ok: true, tfjsBackend, package: `pkg-${tfjsBackend}` });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('useBackend on this machine', () => {
  it('starts the first backend that probes usable under auto and says why it passed over each better one', async () => {
    vi.stubEnv('EPOCHAL_BACKEND', '');
    const probes = await realProbes();
    const firstUsable = probes.findIndex(({ probe }) => probe.ok);
    const active = await useBackend('auto');
    expect(active.name).toBe(probes[firstUsable]?.name);
    expect(active.tfjsBackend).toBe(tf.getBackend());
    expect(active.skipped).toEqual(
      probes.slice(0, firstUsable).map(({ name, probe }) => ({ name, reason: probe.ok ? expect.any(String) : probe.reason })),
    );
  });

  it('passes over tensorflow under auto where neither tfjs-node package is installed', async () => {
    const active = await selectBackend('auto', withoutTfjsNode());
    expect(active.skipped[0]).toEqual({
      name: 'tensorflow',
      reason: '@tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed.',
    });
  });

  it('passes over webgpu under auto unless Dawn finds a hardware adapter', async () => {
    const webgpu = (await realProbes()).find(({ name }) => name === 'webgpu')!.probe;
    if (webgpu.ok) return; // a GPU machine: nothing to pass over
    expect(webgpu.reason).toMatch(/^(no WebGPU adapter found|only a software \(fallback\) WebGPU adapter was found|webgpu and)/);
    vi.stubEnv('EPOCHAL_BACKEND', 'webgpu');
    await expect(useBackend('auto')).rejects.toThrow(webgpu.reason);
  });

  it.runIf(hasLibtensorflow)('picks tensorflow under auto where @tensorflow/tfjs-node is installed', async () => {
    vi.stubEnv('EPOCHAL_BACKEND', '');
    const active = await useBackend('auto');
    expect(active).toMatchObject({ name: 'tensorflow', tfjsBackend: 'tensorflow', skipped: [] });
    expect(active.package).toMatch(/^@tensorflow\/tfjs-node(-gpu)?$/);
  });

  it.runIf(process.env.EPOCHAL_EXPECT_BACKENDS)('starts every backend EPOCHAL_EXPECT_BACKENDS names (CI sets it after provisioning)', async () => {
    const expected = (process.env.EPOCHAL_EXPECT_BACKENDS ?? '').split(',').filter(Boolean);
    const probes = new Map((await realProbes()).map(({ name, probe }) => [name, probe]));
    for (const name of expected) expect({ name, probe: probes.get(name as BackendName) }).toMatchObject({ name, probe: { ok: true } });
  });

  it('refuses an explicit tensorflow request where tfjs-node is not installed, with a retryable error that says what to install', async () => {
    const error = await selectBackend('tensorflow', withoutTfjsNode()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const unavailable = error as BackendUnavailableError;
    expect(unavailable.type).toBe('BackendUnavailable');
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.details()).toEqual({
      requested: 'tensorflow',
      attempts: [{ name: 'tensorflow', reason: expect.stringContaining('is not installed'), fix: expect.stringContaining('npm install @tensorflow/tfjs-node') }],
    });
    expect(unavailable.message).toMatch(/^The "tensorflow" TensorFlow\.js backend cannot start on this worker:\n {2}tensorflow: /);
    expect(toTemporalFailure(error)).toMatchObject({ type: 'BackendUnavailable', nonRetryable: false });
  });

  it('runs on the backend EPOCHAL_BACKEND names, whatever was requested', async () => {
    vi.stubEnv('EPOCHAL_BACKEND', 'cpu');
    expect((await useBackend('wasm')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    vi.stubEnv('EPOCHAL_BACKEND', 'wasm');
    expect(await useBackend('auto')).toEqual({ name: 'wasm', tfjsBackend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', skipped: [] });
  });

  it('initialises wasm once, so asking again is cheap and keeps the same backend instance', async () => {
    vi.stubEnv('EPOCHAL_BACKEND', '');
    await useBackend('wasm');
    const instance = tf.findBackend('wasm');
    await useBackend('cpu');
    const started = performance.now();
    for (let i = 0; i < 20; i++) await useBackend('wasm');
    expect((performance.now() - started) / 20).toBeLessThan(5);
    expect(tf.findBackend('wasm')).toBe(instance);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('loads every backend package against the one @tensorflow/tfjs-core that @tensorflow/tfjs uses', () => {
    const coreFrom = (name: string) => createRequire(require.resolve(`${name}/package.json`)).resolve('@tensorflow/tfjs-core');
    const core = coreFrom('@tensorflow/tfjs');
    for (const name of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-cpu']) {
      expect(coreFrom(name), name).toBe(core);
    }
    expect(dirname(core)).toMatch(/node_modules[\\/]@tensorflow[\\/]tfjs-core[\\/]dist$/);
  });
});

describe('selectBackend with stand-in candidates', () => {
  it('tries candidates in order under auto and reports each one passed over', async () => {
    const candidates = [fake('tensorflow', unusable('no libtensorflow.')), fake('webgpu', unusable('no adapter.')), fake('wasm', usableAs('cpu')), fake('cpu', usableAs('cpu'))];
    const active = await selectBackend('auto', candidates);
    expect(active).toEqual({
      name: 'wasm',
      tfjsBackend: 'cpu',
      package: 'pkg-cpu',
      skipped: [
        { name: 'tensorflow', reason: 'no libtensorflow.' },
        { name: 'webgpu', reason: 'no adapter.' },
      ],
    });
    expect(candidates[3]?.probe).not.toHaveBeenCalled();
  });

  it('probes only the named candidate for an explicit request', async () => {
    const candidates = [fake('tensorflow', usableAs('cpu')), fake('cpu', usableAs('cpu'))];
    expect((await selectBackend('cpu', candidates)).skipped).toEqual([]);
    expect(candidates[0]?.probe).not.toHaveBeenCalled();
  });

  it('moves on when a usable-looking backend fails to start, and says so', async () => {
    const active = await selectBackend('auto', [fake('webgpu', usableAs('no-such-backend')), fake('cpu', usableAs('cpu'))]);
    expect(active.name).toBe('cpu');
    expect(active.skipped).toEqual([
      { name: 'webgpu', reason: "pkg-no-such-backend loaded, but tf.setBackend('no-such-backend') failed (Backend name 'no-such-backend' not found in registry)." },
    ]);
  });

  it('lists every attempt in the error when nothing can start', async () => {
    const error = await selectBackend('auto', [fake('webgpu', unusable('no adapter.')), fake('wasm', unusable('not installed.'))]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      [
        'No TensorFlow.js backend can start on this worker:',
        '  webgpu: no adapter. Fix: install it',
        '  wasm: not installed. Fix: install it',
        'Another worker may have it, so this is retried; EPOCHAL_BACKEND=<backend> sets the backend per worker.',
      ].join('\n'),
    );
  });
});

describe('effectiveBackendRequest', () => {
  it('returns the request when EPOCHAL_BACKEND is unset or blank', () => {
    expect(effectiveBackendRequest('webgpu', {})).toBe('webgpu');
    expect(effectiveBackendRequest('webgpu', { EPOCHAL_BACKEND: '  ' })).toBe('webgpu');
  });

  it('returns EPOCHAL_BACKEND when it names a backend or auto', () => {
    expect(effectiveBackendRequest('tensorflow', { EPOCHAL_BACKEND: 'wasm' })).toBe('wasm');
    expect(effectiveBackendRequest('cpu', { EPOCHAL_BACKEND: 'auto' })).toBe('auto');
  });

  it('rejects an EPOCHAL_BACKEND that names no backend, listing the accepted values', () => {
    expect(() => effectiveBackendRequest('auto', { EPOCHAL_BACKEND: 'gpu' })).toThrow(
      'Expected EPOCHAL_BACKEND to be one of auto, tensorflow, webgpu, wasm, cpu, but got "gpu". ' +
        'Fix: set EPOCHAL_BACKEND to one of those on this worker, or unset it to use the requested backend ("auto").',
    );
  });
});
