/**
 * Helpers for comparing a backend's results with cpu's: seeded inputs that are
 * the same on every backend, a relative-error measure, and a way to run one
 * computation on a named backend (ignoring any EPOCHAL_BACKEND override).
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CANDIDATES, selectBackend, type BackendName } from '../../src/backend/index.js';

/** Below this magnitude a reference is treated as zero, so the error becomes absolute. */
export const TINY = 1e-6;

/**
 * Relative error of `actual` against `expected`: max |a − b| over all
 * elements, divided by max(max |b|, TINY). One scale for the whole tensor, so
 * elements near zero do not dominate.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let scale = TINY;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? Number.NaN)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst / scale;
}

/** Standard-normal values from a seed; tfjs draws them in JavaScript, so every backend sees the same numbers. */
export function seededNormal(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

/** Makes `backend` the active one (whatever EPOCHAL_BACKEND says) and fails loudly if it is not. */
export async function activate(backend: BackendName): Promise<void> {
  const active = await selectBackend(backend, BACKEND_CANDIDATES);
  if (tf.getBackend() !== backend) throw new Error(`Expected backend ${backend}, but tfjs is on ${active.tfjsBackend}.`);
}

/** A differentiable computation of some float inputs. */
export interface GradientCase {
  name: string;
  /** Shapes of the inputs the gradient is taken with respect to. */
  inputs: number[][];
  f: (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * The gradients of Σ f(inputs)·dy with respect to every input, on `backend`,
 * for seeded inputs and a seeded output gradient dy. Tensors are created on
 * that backend and freed before returning.
 */
export async function gradientsOn(backend: BackendName, testCase: GradientCase): Promise<Float32Array[]> {
  await activate(backend);
  return tf.tidy(() => {
    const inputs = testCase.inputs.map((shape, i) => tf.tensor(seededNormal(shape, 11 + i), shape));
    const output = testCase.f(...inputs);
    const dy = tf.tensor(seededNormal(output.shape, 97), output.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => testCase.f(...xs))(inputs, dy);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}
