/**
 * Which WebGPU adapters count as a GPU: `auto` must never pick a software
 * (fallback) adapter, which is slower than wasm.
 */
import { describe, expect, it } from 'vitest';
import { describeAdapter, isSoftwareAdapter } from '../../src/backend/candidates/webgpu.js';

describe('WebGPU adapters', () => {
  it('counts a discrete or integrated GPU as hardware', () => {
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' } })).toBe(false);
    expect(isSoftwareAdapter({ isFallbackAdapter: false, info: { vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics' } })).toBe(false);
  });

  it('counts an adapter flagged as fallback, on the adapter or in its info, as software', () => {
    expect(isSoftwareAdapter({ isFallbackAdapter: true, info: { vendor: 'nvidia' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'google', isFallbackAdapter: true } })).toBe(true);
  });

  it('counts SwiftShader and llvmpipe as software even when not flagged', () => {
    expect(isSoftwareAdapter({ info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.7, 256 bits)' } })).toBe(true);
  });

  it('describes an adapter by name, vendor and architecture', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' })).toBe(
      'SwiftShader Device (Subzero) (google, swiftshader)',
    );
    expect(describeAdapter({ device: 'llvmpipe' })).toBe('llvmpipe');
    expect(describeAdapter(undefined)).toBe('no adapter info');
  });
});
