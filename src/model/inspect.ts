/** A model as a table: what `epochal inspect` prints. */
import * as tf from '@tensorflow/tfjs';
import { ConvStack } from './layers/conv-stack.js';
import { weightName } from './weights.js';

export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  /** yes, no (frozen), partly, or "" for layers without weights. */
  trainable: string;
}

/** One row per layer, in graph order (a conv stack as the layers it fuses); `candidates` are the weights that can train at all. */
export function layerRows(model: tf.LayersModel, candidates: ReadonlySet<string>): LayerRow[] {
  return model.layers.flatMap((layer) => {
    const parts = layer instanceof ConvStack ? layer.parts() : [{ name: layer.name, type: layer.getClassName(), outputShape: layer.outputShape, weights: layer.weights }];
    return parts.map(({ name, type, outputShape, weights }) => {
      const flags = weights.filter((w) => candidates.has(weightName(w)));
      const trainable = flags.filter((w) => layer.trainable && w.trainable).length;
      return {
        name,
        type: type.replace(/^Epochal/, ''),
        outputShape: JSON.stringify(outputShape).replace(/null/g, 'None'),
        params: weights.reduce((total, w) => total + tf.util.sizeFromShape(w.shape as number[]), 0),
        trainable: flags.length === 0 ? '' : trainable === flags.length ? 'yes' : trainable === 0 ? 'no' : 'partly',
      };
    });
  });
}

/** Renders rows as an aligned text table with a totals line. */
export function formatLayerTable(rows: readonly LayerRow[]): string {
  const header = ['name', 'type', 'output shape', 'params', 'trainable'];
  const cells = rows.map((row) => [row.name, row.type, row.outputShape, row.params.toLocaleString('en'), row.trainable]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const line = (cell: string[]) =>
    cell.map((value, i) => (i === 3 ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
