/** `model.safetensors` beside an exported tfjs model: its weights by Epochal's PyTorch convention (`torch-convention.ts`). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readFolderWeights } from '../checkpoint/tfjs-folder.js';
import { mapFromEpochal, type FlatTensor } from './mapping.js';
import { encodeSafetensors } from './safetensors.js';
import { TORCH_CONVENTION, torchConventionRules } from './torch-convention.js';

export const TORCH_WEIGHTS_FILE = 'model.safetensors';

/** Writes `model.safetensors` into the tfjs model folder `modelDir` (model.json + weights). */
export async function writeTorchWeights(modelDir: string): Promise<void> {
  const read = await readFolderWeights(modelDir);
  const weights = new Map<string, FlatTensor>();
  try {
    for (const [name, tensor] of read) weights.set(name, { shape: [...tensor.shape], values: Float32Array.from(tensor.dataSync()) });
  } finally {
    tf.dispose([...read.values()]);
  }
  const rules = torchConventionRules([...weights].map(([name, { shape }]) => ({ name, shape })));
  const { tensors } = mapFromEpochal(weights, rules);
  const bytes = encodeSafetensors([...tensors].map(([name, tensor]) => ({ name, ...tensor })), { format: 'pt', convention: TORCH_CONVENTION });
  await writeFile(join(modelDir, TORCH_WEIGHTS_FILE), bytes);
}
