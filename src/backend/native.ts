/**
 * Native TensorFlow ops on the `tensorflow` backend (tfjs-node): where tfjs
 * builds an op out of many small kernels (batch-norm gradients, LeakyReLU's
 * gradient) or cannot run it at all (gradients of dilated convolutions),
 * libtensorflow has one fused, multi-threaded kernel. Epochal's ops call these
 * through tfjs-node's eager executor when that backend is active, and fall
 * back to compositions of tfjs ops everywhere else.
 */
import * as tf from '@tensorflow/tfjs';

/** A libtensorflow op attribute. */
export type NativeAttr =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'bool'; value: boolean }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'int'; value: number | number[] }
  | { name: string; type: 'dtype'; value: tf.DataType };

/** The parts of tfjs-node's backend Epochal calls. */
interface NodeBackend {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_TYPE: number };
  getDTypeInteger(dtype: tf.DataType): number;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], outputs: number): tf.Tensor[];
}

/** Whether the active backend is libtensorflow (so `runNative` works). */
export function hasNativeOps(): boolean {
  return tf.getBackend() === 'tensorflow';
}

/**
 * Runs the libtensorflow op `name` eagerly and returns its `outputs` outputs.
 * Only on the `tensorflow` backend; like any kernel call it is not recorded for
 * gradients (wrap it in `tf.customGrad`).
 */
export function runNative(name: string, attrs: readonly NativeAttr[], inputs: readonly tf.Tensor[], outputs = 1): tf.Tensor[] {
  if (!hasNativeOps()) throw new Error(`Native op ${name} needs the tensorflow backend, but tfjs is on ${tf.getBackend()}.`);
  const backend = tf.backend() as unknown as NodeBackend;
  const { binding } = backend;
  const encoded = attrs.map((attr) => {
    switch (attr.type) {
      case 'float':
        return { name: attr.name, type: binding.TF_ATTR_FLOAT, value: attr.value };
      case 'bool':
        return { name: attr.name, type: binding.TF_ATTR_BOOL, value: attr.value };
      case 'string':
        return { name: attr.name, type: binding.TF_ATTR_STRING, value: attr.value };
      case 'int':
        return { name: attr.name, type: binding.TF_ATTR_INT, value: attr.value };
      case 'dtype':
        return { name: attr.name, type: binding.TF_ATTR_TYPE, value: backend.getDTypeInteger(attr.value) };
    }
  });
  return backend.executeMultipleOutputs(name, encoded, [...inputs], outputs);
}
