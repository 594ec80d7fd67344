/**
 * A 1-D convolution with dilation and causal padding that trains on every
 * backend. tfjs 4.22 cannot: conv gradients throw for dilation > 1 and conv1d
 * has no `causal` padding. This layer pads explicitly, then on the tensorflow
 * backend runs one native dilated convolution each way (see
 * `ops/dilated-conv.ts`); elsewhere it gathers the k dilated taps as shifted
 * slices, concatenates them on the channel axis and applies one matMul: the
 * same maths as a convolution, built only from ops whose gradients every
 * backend has. Either way the kernel has the shape
 * `[kernelSize, inChannels, filters]` of `tf.layers.conv1d`.
 */
import * as tf from '@tensorflow/tfjs';
import { initializer, type InitializerName } from '../initializers.js';
import { canRunNativeDilatedConv, nativeDilatedConv1d } from '../ops/dilated-conv.js';

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
    return [batch ?? null, length == null ? null : this.outputLength(length), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [batch, length, channels] = x.shape;
      const [left, right] = this.paddingAmounts(length);
      const padded = left + right > 0 ? tf.pad(x, [[0, 0], [left, right], [0, 0]]) : x;
      if (canRunNativeDilatedConv(this.strides, this.dilationRate)) {
        const y = nativeDilatedConv1d(padded, this.kernel!.read() as tf.Tensor3D, this.strides, this.dilationRate);
        return this.bias ? tf.add(y, this.bias.read()) : y;
      }
      const outLength = this.outputLength(length);
      const span = (outLength - 1) * this.strides + 1;
      const taps = Array.from({ length: this.kernelSize }, (_, j) => {
        const start = j * this.dilationRate;
        return this.strides === 1
          ? tf.slice(padded, [0, start, 0], [batch, span, channels])
          : tf.stridedSlice(padded, [0, start, 0], [batch, start + span, channels], [1, this.strides, 1]);
      });
      const windows = tf.concat(taps, 2).reshape([batch * outLength, this.kernelSize * channels]);
      const kernel = this.kernel!.read().reshape([this.kernelSize * channels, this.filters]);
      let y = tf.matMul(windows, kernel);
      if (this.bias) y = tf.add(y, this.bias.read());
      return y.reshape([batch, outLength, this.filters]);
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

  private receptiveField(): number {
    return (this.kernelSize - 1) * this.dilationRate + 1;
  }

  private outputLength(length: number): number {
    if (this.padding === 'valid') return Math.floor((length - this.receptiveField()) / this.strides) + 1;
    return Math.ceil(length / this.strides);
  }

  /** Zeros added before and after the time axis. */
  private paddingAmounts(length: number): [number, number] {
    if (this.padding === 'valid') return [0, 0];
    const total = Math.max((this.outputLength(length) - 1) * this.strides + this.receptiveField() - length, 0);
    if (this.padding === 'causal') return [total, 0];
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
}

tf.serialization.registerClass(TemporalConv1D);
