/**
 * Pooling to a fixed output length whatever the input length, like PyTorch's
 * AdaptiveAvgPool1d / AdaptiveMaxPool1d: output step i pools the input window
 * [floor(i·L/n), ceil((i+1)·L/n)) of an input of length L.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdaptivePool1DArgs {
  name: string;
  mode: 'max' | 'avg';
  outputLength: number;
}

export class AdaptivePool1D extends tf.layers.Layer {
  static className = 'EpochalAdaptivePool1D';
  private readonly mode: 'max' | 'avg';
  private readonly outputLength: number;

  constructor(args: AdaptivePool1DArgs) {
    super(args);
    this.mode = args.mode;
    this.outputLength = args.outputLength;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, , channels] = inputShape as tf.Shape;
    return [batch ?? null, this.outputLength, channels ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [batch, length, channels] = x.shape;
      if (length < this.outputLength) {
        throw new Error(`${this.name}: cannot pool a length of ${length} to ${this.outputLength} steps.`);
      }
      const windows = Array.from({ length: this.outputLength }, (_, i) => {
        const start = Math.floor((i * length) / this.outputLength);
        const end = Math.ceil(((i + 1) * length) / this.outputLength);
        const window = tf.slice(x, [0, start, 0], [batch, end - start, channels]);
        return this.mode === 'max' ? tf.max(window, 1) : tf.mean(window, 1);
      });
      return tf.stack(windows, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode, outputLength: this.outputLength };
  }
}

tf.serialization.registerClass(AdaptivePool1D);
