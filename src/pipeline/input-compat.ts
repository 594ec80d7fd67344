/**
 * Does the prepared data fit the network? Each model input reads one prepared
 * field (train_params `data.inputs`); its per-sample shape must match the
 * input's, or training would fail deep inside TensorFlow.js.
 */
import type { DataConfig } from '../config/data/data.js';
import type { ConfigIssue } from '../config/issues.js';
import type { NetParams } from '../config/net/net-params.js';
import { MASK_FIELD } from '../data/batches.js';
import type { FieldSpec } from '../data/dataset.js';

/** One issue per model input whose field is missing from the prepared data or has another shape. */
export function inputShapeIssues(
  net: NetParams,
  data: Pick<DataConfig, 'inputs' | 'preprocessing'>,
  fields: Record<string, FieldSpec>,
  netFile?: string,
): ConfigIssue[] {
  const sequence = Object.values(fields).some((spec) => spec.shape.includes(null));
  const available: Record<string, (number | null)[]> = {
    ...Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, spec.shape])),
    ...(sequence ? { [MASK_FIELD]: [null] } : {}),
  };
  return Object.entries(net.inputs).flatMap(([input, spec]): ConfigIssue[] => {
    const field = data.inputs[input] ?? input;
    const shape = available[field];
    const at = { ...(netFile ? { file: netFile } : {}), path: ['inputs', input, 'shape'] };
    if (!shape) {
      return [
        {
          ...at,
          message: `Model input "${input}" reads field "${field}", which the prepared data does not have.`,
          hint: `map it in train_params data.inputs to one of ${Object.keys(available).map((f) => `"${f}"`).join(', ')}.`,
        },
      ];
    }
    const fits = shape.length === spec.shape.length && spec.shape.every((d, i) => d === null || d === shape[i]);
    if (fits) return [];
    const resample = field !== MASK_FIELD && fields[field]?.kind === 'signal' ? ' (data.preprocessing.resampleHz changes a signal\'s length)' : '';
    return [
      {
        ...at,
        message: `Expected ${JSON.stringify(shape)} to fit field "${field}" of the prepared data, but the input is ${JSON.stringify(spec.shape)}.`,
        hint: `set this input's shape to ${JSON.stringify(shape)}, or change the data${resample}.`,
      },
    ];
  });
}
