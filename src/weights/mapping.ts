/**
 * Weight-name mappings between another framework's names (a PyTorch
 * `state_dict`: `tcn.network.0.conv1.weight`) and Epochal's hierarchical
 * weight names (`tcn/block_0/conv_a/kernel`), with the layout conversion each
 * needs. A mapping is a list of rules, first match wins; each rule's `from`
 * pattern names dotted segments (`{i}` captures one segment, `*` matches one
 * without capturing), its `to` template reuses the captures, and its `layout`
 * says how the tensor is stored on each side. The same rules map back for
 * export, so a model leaves Epochal with the names it came in with.
 */
import { z } from 'zod';
import { BATCH_NORM_EPSILON } from '../model/layers/batch-norm.js';

/** How a tensor is stored in the source framework, relative to Epochal (tfjs / Keras). */
export const LAYOUTS = {
  /** The same on both sides (biases, batch-norm scale, shift and statistics). */
  plain: 'as stored',
  /** PyTorch `Linear.weight` [out, in] ↔ a Keras dense kernel [in, out]. */
  linear: '[out, in] ↔ [in, out]',
  /** PyTorch `Conv1d.weight` [out, in, k] ↔ a Keras conv1d kernel [k, in, out]. */
  conv1d: '[out, in, k] ↔ [k, in, out]',
  /** PyTorch `Conv2d.weight` [out, in, kh, kw] ↔ a Keras conv2d kernel [kh, kw, in, out]. */
  conv2d: '[out, in, kh, kw] ↔ [kh, kw, in, out]',
} as const;

/** Each layout's axis order from the source's to Epochal's, and back. */
const AXES: Record<Exclude<Layout, 'plain'>, { rank: number; toEpochal: number[]; toSource: number[]; source: string }> = {
  linear: { rank: 2, toEpochal: [1, 0], toSource: [1, 0], source: '[out, in]' },
  conv1d: { rank: 3, toEpochal: [2, 1, 0], toSource: [2, 1, 0], source: '[out, in, k]' },
  conv2d: { rank: 4, toEpochal: [2, 3, 1, 0], toSource: [3, 2, 0, 1], source: '[out, in, kh, kw]' },
};
export type Layout = keyof typeof LAYOUTS;

const Segment = /^(\{[a-z_][a-z0-9_]*\}|\*|[^.{}*]+)$/i;

export const MappingRule = z
  .strictObject({
    from: z
      .string()
      .min(1)
      .refine((pattern) => pattern.split('.').every((segment) => Segment.test(segment)), 'Expected dotted segments, each a name, {capture} or *.')
      .describe('The source name pattern: dotted segments, each a literal, {name} (captures one segment) or * (any one segment).'),
    to: z.string().min(1).optional().describe("Epochal's weight name, with {name} captures filled in; leave it out with ignore."),
    layout: z.enum(Object.keys(LAYOUTS) as [Layout, ...Layout[]]).default('plain').describe('How the source stores the tensor: plain, linear or conv1d.'),
    ignore: z.boolean().default(false).describe('Source tensors this rule matches are not weights (batch-norm num_batches_tracked): skip them.'),
    epsilon: z
      .number()
      .positive()
      .optional()
      .describe(
        `For a batch-norm variance (running_var): the epsilon the source normalises with (PyTorch's default is 1e-5). Epochal adds ${BATCH_NORM_EPSILON}, so the variance is shifted by the difference to normalise exactly as the source did.`,
      ),
  })
  .refine((rule) => rule.ignore || rule.to !== undefined, 'Expected "to" (the Epochal name), or "ignore": true.');
export type MappingRule = z.infer<typeof MappingRule>;

export const WeightMapping = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    rules: z.array(MappingRule).min(1).describe('First match wins.'),
  })
  .describe('How the names of a weights file map to Epochal weight names.');
export type WeightMapping = z.infer<typeof WeightMapping>;

/** A tensor as a flat float32 array and its shape. */
export interface FlatTensor {
  shape: number[];
  values: Float32Array;
}

/** Where an Epochal weight came from. */
export interface MappedWeight extends FlatTensor {
  /** The source tensor's name. */
  from: string;
  /** The rule that mapped it, as written (`tcn.network.{i}.conv1.weight → tcn/block_{i}/conv_a/kernel (conv1d)`). */
  rule: string;
}

export interface MappingResult {
  weights: Map<string, MappedWeight>;
  /** Source tensors no rule matched. */
  unmapped: string[];
  /** Source tensors an `ignore` rule matched. */
  ignored: string[];
  /** Source tensors whose shape does not fit their rule's layout, with why. */
  unfit: { from: string; rule: string; problem: string }[];
}

interface Compiled {
  rule: MappingRule;
  text: string;
  segments: string[];
}

function compile(rules: readonly MappingRule[]): Compiled[] {
  return rules.map((rule) => ({
    rule,
    text: rule.ignore ? `${rule.from} (ignored)` : `${rule.from} → ${rule.to} (${rule.layout}${rule.epsilon === undefined ? '' : `, variance for epsilon ${rule.epsilon}`})`,
    segments: rule.from.split('.'),
  }));
}

/** The captures of `name` against a rule's segments, or undefined when it does not match. */
function captures(segments: readonly string[], name: string): Record<string, string> | undefined {
  const parts = name.split('.');
  if (parts.length !== segments.length) return undefined;
  const found: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i]!;
    if (segment === '*') continue;
    if (segment.startsWith('{')) found[segment.slice(1, -1)] = part;
    else if (segment !== part) return undefined;
  }
  return found;
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (_, key: string) => values[key] ?? `{${key}}`);

/** The first rule that matches source name `name`. */
export function ruleFor(name: string, rules: readonly MappingRule[]): MappingRule | undefined {
  return compile(rules).find((rule) => captures(rule.segments, name))?.rule;
}

/** Maps source tensors to Epochal weights by `rules` (first match wins), converting layouts. */
export function mapToEpochal(source: ReadonlyMap<string, FlatTensor>, rules: readonly MappingRule[]): MappingResult {
  const compiled = compile(rules);
  const result: MappingResult = { weights: new Map(), unmapped: [], ignored: [], unfit: [] };
  for (const [name, tensor] of source) {
    const hit = compiled.map((rule) => ({ rule, values: captures(rule.segments, name) })).find((candidate) => candidate.values);
    if (!hit) {
      result.unmapped.push(name);
      continue;
    }
    if (hit.rule.rule.ignore) {
      result.ignored.push(name);
      continue;
    }
    const converted = fromSourceEpsilon(fromSourceLayout(tensor, hit.rule.rule.layout), hit.rule.rule.epsilon);
    if (typeof converted === 'string') {
      result.unfit.push({ from: name, rule: hit.rule.text, problem: converted });
      continue;
    }
    result.weights.set(fill(hit.rule.rule.to!, hit.values!), { ...converted, from: name, rule: hit.rule.text });
  }
  return result;
}

/** Maps Epochal weights back to source names and layouts (for export): the inverse of each rule's `to`. */
export function mapFromEpochal(weights: ReadonlyMap<string, FlatTensor>, rules: readonly MappingRule[]): { tensors: Map<string, FlatTensor>; unmapped: string[] } {
  const inverse = compile(rules.filter((rule) => !rule.ignore)).map((compiled) => ({ compiled, pattern: templatePattern(compiled.rule.to!) }));
  const tensors = new Map<string, FlatTensor>();
  const unmapped: string[] = [];
  for (const [name, tensor] of weights) {
    const hit = inverse.map(({ compiled, pattern }) => ({ compiled, match: pattern.exec(name) })).find((candidate) => candidate.match);
    if (!hit) {
      unmapped.push(name);
      continue;
    }
    const values = hit.match!.groups ?? {};
    const sourceName = hit.compiled.segments.map((segment) => (segment.startsWith('{') ? values[segment.slice(1, -1)] ?? segment : segment)).join('.');
    tensors.set(sourceName, toSourceEpsilon(toSourceLayout(tensor, hit.compiled.rule.layout), hit.compiled.rule.epsilon));
  }
  return { tensors, unmapped };
}

/** A `to` template as a regular expression whose named groups are its captures (each one name segment, no "/"). */
function templatePattern(template: string): RegExp {
  const escaped = template.split(/(\{[a-z_][a-z0-9_]*\})/i).map((piece) => (/^\{.*\}$/.test(piece) ? `(?<${piece.slice(1, -1)}>[^/]+)` : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${escaped.join('')}$`);
}

/** The tensor in Epochal's layout, or why its shape does not fit `layout`. */
function fromSourceLayout(tensor: FlatTensor, layout: Layout): FlatTensor | string {
  if (layout === 'plain') return tensor;
  const { rank, toEpochal, source } = AXES[layout];
  if (tensor.shape.length !== rank) return `a ${layout} weight is ${source}, but this one has shape ${JSON.stringify(tensor.shape)}`;
  return transposed(tensor, toEpochal);
}

/**
 * A variance kept for a source epsilon, as Epochal keeps it: Epochal normalises by √(v + ε_epochal), the source by
 * √(v_source + ε_source), so v = v_source + ε_source − ε_epochal; a variance that would fall below zero cannot be.
 */
function fromSourceEpsilon(tensor: FlatTensor | string, epsilon: number | undefined): FlatTensor | string {
  if (typeof tensor === 'string' || epsilon === undefined) return tensor;
  const values = tensor.values.map((v) => v + epsilon - BATCH_NORM_EPSILON);
  const lowest = values.findIndex((v) => v < 0);
  if (lowest >= 0) {
    return `its value ${tensor.values[lowest]} at index ${lowest}, normalised with epsilon ${epsilon}, is below what Epochal's epsilon ${BATCH_NORM_EPSILON} can express (a variance under ${BATCH_NORM_EPSILON - epsilon})`;
  }
  return { shape: tensor.shape, values };
}

function toSourceEpsilon(tensor: FlatTensor, epsilon: number | undefined): FlatTensor {
  return epsilon === undefined ? tensor : { shape: tensor.shape, values: tensor.values.map((v) => v + BATCH_NORM_EPSILON - epsilon) };
}

function toSourceLayout(tensor: FlatTensor, layout: Layout): FlatTensor {
  return layout === 'plain' ? { shape: tensor.shape, values: tensor.values } : transposed(tensor, AXES[layout].toSource);
}

function transposed({ shape, values }: FlatTensor, axes: readonly number[]): FlatTensor {
  return { shape: axes.map((axis) => shape[axis]!), values: permute(values, shape, axes) };
}

/** `values` of `shape` with its axes in the order `axes` (row-major on both sides). */
export function permute(values: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const outShape = axes.map((axis) => shape[axis]!);
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((product, size) => product * size, 1));
  const out = new Float32Array(values.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let from = 0;
    for (let d = 0; d < axes.length; d++) from += index[d]! * strides[axes[d]!]!;
    out[i] = values[from]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
