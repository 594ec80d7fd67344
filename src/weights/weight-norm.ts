/**
 * Weight normalisation folded into plain weights. PyTorch's `weight_norm`
 * (used by the reference TCN) stores a convolution's weight as a magnitude
 * `g` and a direction `v` — `conv1.weight_g` / `conv1.weight_v`, or with the
 * newer parametrizations `conv1.parametrizations.weight.original0` /
 * `original1` — and computes `weight = g · v / ‖v‖`, the norm over every axis
 * but the first. Epochal's layers hold the plain weight, so an import folds
 * each pair into `conv1.weight` before mapping names.
 */
import type { FlatTensor } from './mapping.js';

const PAIRS = [
  { g: '.weight_g', v: '.weight_v' },
  { g: '.parametrizations.weight.original0', v: '.parametrizations.weight.original1' },
];

/** `tensors` with every weight-norm pair replaced by its folded `<prefix>.weight`, and what was folded from what. */
export function foldWeightNorm(tensors: ReadonlyMap<string, FlatTensor>): { tensors: Map<string, FlatTensor>; folded: Map<string, string[]>; problems: { from: string; problem: string }[] } {
  const out = new Map(tensors);
  const folded = new Map<string, string[]>();
  const problems: { from: string; problem: string }[] = [];
  for (const name of tensors.keys()) {
    for (const pair of PAIRS) {
      if (!name.endsWith(pair.v)) continue;
      const prefix = name.slice(0, -pair.v.length);
      const gName = prefix + pair.g;
      const g = tensors.get(gName);
      if (!g) continue;
      const v = tensors.get(name)!;
      out.delete(gName);
      out.delete(name);
      const weight = fold(g, v);
      if (typeof weight === 'string') problems.push({ from: `${gName} + ${name}`, problem: weight });
      else {
        out.set(`${prefix}.weight`, weight);
        folded.set(`${prefix}.weight`, [gName, name]);
      }
    }
  }
  return { tensors: out, folded, problems };
}

function fold(g: FlatTensor, v: FlatTensor): FlatTensor | string {
  const rows = v.shape[0] ?? 0;
  if (v.shape.length < 2 || g.values.length !== rows) {
    return `a weight-norm magnitude has one value per output (${rows}), but its shape is ${JSON.stringify(g.shape)} for a direction of shape ${JSON.stringify(v.shape)}`;
  }
  const width = v.values.length / rows;
  const values = new Float32Array(v.values.length);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let i = row * width; i < (row + 1) * width; i++) sum += v.values[i]! * v.values[i]!;
    const scale = g.values[row]! / Math.sqrt(sum);
    for (let i = row * width; i < (row + 1) * width; i++) values[i] = v.values[i]! * scale;
  }
  return { shape: v.shape, values };
}
