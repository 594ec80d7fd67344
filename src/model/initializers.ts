/** Seeded weight initializers by name, as net_params names them. */
import * as tf from '@tensorflow/tfjs';

/** An initializer name from net_params (`heNormal`, `glorotUniform`, ...). */
export type InitializerName =
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'leCunUniform'
  | 'leCunNormal'
  | 'zeros'
  | 'ones';

/** The tfjs initializer `name`, seeded with `seed` when it is random. */
export function initializer(name: InitializerName, seed: number) {
  switch (name) {
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
    default:
      return tf.initializers[name]({ seed });
  }
}
