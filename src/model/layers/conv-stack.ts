/**
 * `conv1dStack` as one layer: for each convolution, its pre-convolution steps
 * (batch norm, activation, dropout, in the configured order), the
 * convolution, and an optional max pool. Its weights have the names separate
 * layers would give them (`<block>/bn_0/gamma`, `<block>/conv_0/kernel`, …),
 * the same initial values, and the same freezing rules (a level's batch norm
 * runs in inference mode once its γ and β are frozen), so configs, freeze
 * patterns, checkpoints and pretrained weights see no difference.
 *
 * Being one layer lets it trade compute for memory, level by level: with
 * `recompute` on (set by the memory plan, not saved with the model), training
 * keeps only each level's input for the backward pass and recomputes the
 * level's inside there (`ops/recompute.ts`). The per-epoch ECG CNN of
 * SleepNet, run over every epoch of a batch of nights, is where a training
 * step's memory goes; recomputation cuts it to one tensor per level, and
 * batch statistics stay those of the whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, ConvLayer } from '../../config/net/layers.js';
import { initializer, type InitializerName } from '../initializers.js';
import { batchNormTraining } from '../ops/batch-norm.js';
import { BATCH_NORM_EPSILON } from './batch-norm.js';
import { dropoutKey, hashedDropout } from '../ops/dropout.js';
import { leakyRelu } from '../ops/leaky-relu.js';
import { recomputedChain, type ChainStep } from '../ops/recompute.js';
import { temporalConv1d, temporalOutputLength, type TemporalConvSpec } from '../ops/temporal-conv.js';
import { deriveSeed } from '../seeds.js';
import { trainingStep } from '../training-context.js';

export interface ConvStackArgs {
  /** The block's path (`ecg_tower/ecg_cnns`): the layer's name and its weights' prefix. */
  name: string;
  layers: ConvLayer[];
  preConv: ('batchNorm' | 'activation' | 'dropout')[];
  activation: Activation;
  dropout: number;
  kernelInitializer: InitializerName;
  l2: number;
  /** The run seed; initializers and dropout masks derive their seeds from it and the weight or layer names. */
  seed: number;
  trainable?: boolean;
}

/** Keras's batch-norm constants, as tfjs's BatchNormalization uses them. */
const BN_MOMENTUM = 0.99;

interface Level {
  bn?: { gamma: tf.LayerVariable; beta: tf.LayerVariable; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable };
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable;
  spec: TemporalConvSpec;
  /** Whether tfjs's conv1d computes it (dilation 1, same/valid padding), else temporalConv1d. */
  plain: boolean;
  dropoutSeed: number;
  pool?: tf.layers.Layer;
}

/** One part of a stack as a separate layer would show it in a layer table. */
export interface ConvStackPart {
  name: string;
  type: 'BatchNormalization' | 'Conv1D' | 'TemporalConv1D' | 'MaxPooling1D';
  outputShape: (number | null)[];
  weights: tf.LayerVariable[];
}

export class ConvStack extends tf.layers.Layer {
  static className = 'EpochalConv1dStack';
  /** Recompute each level's activations in the backward pass instead of keeping them (training only). */
  recompute = false;
  private readonly args: ConvStackArgs;
  private levels: Level[] = [];
  private builtInputShape: (number | null)[] = [];
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(args: ConvStackArgs) {
    super(args);
    this.args = args;
    const spec = args.activation;
    if (typeof spec === 'object' || spec === 'leakyRelu') {
      const alpha = typeof spec === 'object' ? spec.alpha : 0.3;
      this.act = (x) => leakyRelu(x, alpha);
    } else {
      const layer = tf.layers.activation({ activation: spec });
      this.act = (x) => layer.apply(x) as tf.Tensor;
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    this.builtInputShape = [...shape];
    let channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel axis of the input must be known.`);
    const { layers, preConv, kernelInitializer, l2, seed, name } = this.args;
    const regularizer = l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
    this.levels = layers.map((layer, i) => {
      const bn = preConv.includes('batchNorm')
        ? {
            gamma: this.addWeight(`bn_${i}/gamma`, [channels!], 'float32', tf.initializers.ones()),
            beta: this.addWeight(`bn_${i}/beta`, [channels!], 'float32', tf.initializers.zeros()),
            movingMean: this.addWeight(`bn_${i}/moving_mean`, [channels!], 'float32', tf.initializers.zeros(), undefined, false),
            movingVariance: this.addWeight(`bn_${i}/moving_variance`, [channels!], 'float32', tf.initializers.ones(), undefined, false),
          }
        : undefined;
      const plain = layer.dilation === 1 && layer.padding !== 'causal';
      const convName = `${name}/conv_${i}`;
      // The seeds tf.layers.conv1d (plain) and TemporalConv1D were built with, so initial weights are unchanged.
      const kernelSeed = plain ? deriveSeed(seed, convName, 'kernel') : deriveSeed(seed, `${convName}/kernel`);
      const kernel = this.addWeight(`conv_${i}/kernel`, [layer.kernelSize, channels!, layer.filters], 'float32', initializer(kernelInitializer, kernelSeed), regularizer);
      const bias = this.addWeight(`conv_${i}/bias`, [layer.filters], 'float32', tf.initializers.zeros());
      channels = layer.filters;
      return {
        ...(bn ? { bn } : {}),
        kernel,
        bias,
        plain,
        spec: { kernelSize: layer.kernelSize, dilation: layer.dilation, strides: layer.strides, padding: layer.padding },
        dropoutSeed: deriveSeed(seed, `${name}/dropout_${i}`),
        ...(layer.poolSize ? { pool: tf.layers.maxPooling1d({ poolSize: layer.poolSize }) } : {}),
      };
    });
    this.built = true;
  }

  /** The stack as the separate layers it replaces (batch norms, convolutions, pools), for `epochal inspect`. */
  parts(): ConvStackPart[] {
    const [batch = null, length = null, channels = null] = this.builtInputShape;
    let shape: (number | null)[] = [batch, length, channels];
    return this.levels.flatMap((level, i) => {
      const parts: ConvStackPart[] = [];
      const name = (part: string) => `${this.name}/${part}_${i}`;
      if (level.bn) parts.push({ name: name('bn'), type: 'BatchNormalization', outputShape: shape, weights: Object.values(level.bn) });
      const convolved = shape[1] == null ? null : temporalOutputLength(shape[1], level.spec);
      shape = [shape[0] ?? null, convolved, level.kernel.shape[2] ?? null];
      parts.push({ name: name('conv'), type: level.plain ? 'Conv1D' : 'TemporalConv1D', outputShape: shape, weights: [level.kernel, level.bias] });
      const poolSize = this.args.layers[i]!.poolSize;
      if (poolSize) {
        shape = [shape[0] ?? null, shape[1] == null ? null : Math.floor(shape[1] / poolSize), shape[2] ?? null];
        parts.push({ name: name('pool'), type: 'MaxPooling1D', outputShape: shape, weights: [] });
      }
      return parts;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, length] = inputShape as tf.Shape;
    let steps = length;
    for (const layer of this.args.layers) {
      if (steps == null) break;
      steps = temporalOutputLength(steps, { kernelSize: layer.kernelSize, dilation: layer.dilation, strides: layer.strides, padding: layer.padding });
      if (layer.poolSize) steps = Math.floor(steps / layer.poolSize);
    }
    return [batch ?? null, steps ?? null, this.args.layers[this.args.layers.length - 1]!.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const training = Boolean(kwargs.training);
    let x = Array.isArray(inputs) ? inputs[0]! : inputs;
    this.levels.forEach((level) => {
      const steps = this.steps(level, training);
      const params = [...(level.bn ? [level.bn.gamma, level.bn.beta] : []), level.kernel, level.bias].map((w) => w.read());
      if (training && this.recompute) {
        x = recomputedChain(steps, x, params);
        return;
      }
      let at = 0;
      for (const step of steps) x = step.run(x, params.slice(at, (at += step.params)), true);
    });
    return x;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { layers, preConv, activation, dropout, kernelInitializer, l2, seed } = this.args;
    return { ...super.getConfig(), layers, preConv, activation, dropout, kernelInitializer, l2, seed } as unknown as tf.serialization.ConfigDict;
  }

  /**
   * One level as a chain of steps: the pre-convolution steps in their
   * configured order, then the convolution with its bias (and max pool).
   * Parameters come in the order γ, β (with batch norm), kernel, bias.
   */
  private steps(level: Level, training: boolean): ChainStep[] {
    const steps: ChainStep[] = [];
    for (const kind of this.args.preConv) {
      if (kind === 'batchNorm') {
        steps.push({ params: 2, run: (x, [gamma, beta], first) => this.batchNorm(level, x, gamma!, beta!, training, first) });
      } else if (kind === 'activation') {
        steps.push({ params: 0, run: (x) => this.act(x) });
      } else if (training && this.args.dropout > 0) {
        const rate = this.args.dropout;
        steps.push({ params: 0, selfAdjoint: true, run: (x) => hashedDropout(x, rate, dropoutKey(level.dropoutSeed, trainingStep())) });
      }
    }
    steps.push({
      params: 2,
      run: (x, [kernel, bias]) => {
        const { strides, padding } = level.spec;
        const convolved = level.plain
          ? tf.conv1d(x as tf.Tensor3D, kernel as tf.Tensor3D, strides, padding as 'same' | 'valid')
          : temporalConv1d(x as tf.Tensor3D, kernel as tf.Tensor3D, level.spec);
        const y = tf.add(convolved, bias!);
        return level.pool ? (level.pool.apply(y) as tf.Tensor) : y;
      },
    });
    return steps;
  }

  /** Training-mode batch norm (moving averages updated once) while γ or β trains; inference mode once both are frozen. */
  private batchNorm(level: Level, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, training: boolean, first: boolean): tf.Tensor {
    const bn = level.bn!;
    const learning = training && this.trainable && (bn.gamma.trainable || bn.beta.trainable);
    if (!learning) return tf.batchNorm(x, bn.movingMean.read(), bn.movingVariance.read(), beta, gamma, BATCH_NORM_EPSILON);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, BATCH_NORM_EPSILON);
    if (first) {
      tf.tidy(() => {
        for (const [variable, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - BN_MOMENTUM)));
        }
      });
    }
    tf.dispose([mean, variance]);
    return y;
  }
}

tf.serialization.registerClass(ConvStack);

/** Turns recomputation on or off for every layer of `model` that supports it. */
export function setRecompute(model: tf.LayersModel, on: boolean): void {
  for (const layer of model.layers) if (layer instanceof ConvStack) layer.recompute = on;
}
