/**
 * The layer form of `temporalConv1d` (see `ops/temporal-conv.ts`): a 1-D
 * convolution with dilation and causal padding that trains on every backend,
 * with the kernel shape `[kernelSize, inChannels, filters]` of `tf.layers.conv1d`.
 */
import * as tf from '@tensorflow/tfjs';
import { initializer, type InitializerName } from '../initializers.js';
import { temporalConv1d, temporalOutputLength, type TemporalConvSpec } from '../ops/temporal-conv.js';

export interface TemporalConv1DArgs {
  name: string;
  filters: number;
  kernelSize: number;
  dilationRate?: number;
  strides?: number;
  /** causal: output t sees inputs ≤ t; same: centred, output length = ceil(length / strides); valid: no padding. */
  padding?: 'causal' | 'same' | 'valid';
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  /** Seed of the kernel initializer. */
  seed?: number;
  /** L2 penalty on the kernel; 0 disables it. */
  l2?: number;
  trainable?: boolean;
}

export class TemporalConv1D extends tf.layers.Layer {
  static className = 'EpochalTemporalConv1D';
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly dilationRate: number;
  private readonly strides: number;
  private readonly padding: 'causal' | 'same' | 'valid';
  private readonly useBias: boolean;
  private readonly kernelInitializer: InitializerName;
  private readonly seed: number;
  private readonly l2: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: TemporalConv1DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.dilationRate = args.dilationRate ?? 1;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 'causal';
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'heNormal';
    this.seed = args.seed ?? 0;
    this.l2 = args.l2 ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const inChannels = shape[shape.length - 1];
    if (inChannels == null) throw new Error(`${this.name}: the channel axis of the input must be known.`);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, inChannels, this.filters],
      'float32',
      initializer(this.kernelInitializer, this.seed),
      this.l2 > 0 ? tf.regularizers.l2({ l2: this.l2 }) : undefined,
      true,
    );
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros(), undefined, true);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, length] = inputShape as tf.Shape;
    return [batch ?? null, length == null ? null : temporalOutputLength(length, this.spec()), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const y = temporalConv1d(x, this.kernel!.read() as tf.Tensor3D, this.spec());
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      dilationRate: this.dilationRate,
      strides: this.strides,
      padding: this.padding,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      seed: this.seed,
      l2: this.l2,
    };
  }

  private spec(): TemporalConvSpec {
    return { kernelSize: this.kernelSize, dilation: this.dilationRate, strides: this.strides, padding: this.padding };
  }
}

tf.serialization.registerClass(TemporalConv1D);
