/**
 * Classification metrics from a confusion matrix: accuracy, Cohen's kappa,
 * per-class precision/recall/F1 and their macro average (scikit-learn's
 * convention: over the classes labelled or predicted, zero_division=0).
 * Positions with the ignore label never count.
 */

/** `matrix[truth][predicted]` counts. */
export type ConfusionMatrix = number[][];

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** Labelled positions of this class. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  cohenKappa: number;
  macroF1: number;
  perClass: ClassMetrics[];
  confusion: ConfusionMatrix;
  /** Positions counted. */
  count: number;
}

/** An empty `classes × classes` confusion matrix. */
export function emptyConfusion(classes: number): ConfusionMatrix {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

/**
 * Adds predictions to `matrix`: `probabilities` is `[positions × classes]`
 * flattened, `labels` one per position; ignored labels are skipped.
 */
export function accumulate(matrix: ConfusionMatrix, probabilities: ArrayLike<number>, labels: ArrayLike<number>, ignoreLabel: number): void {
  const classes = matrix.length;
  for (let p = 0; p < labels.length; p++) {
    const truth = labels[p]!;
    if (truth === ignoreLabel) continue;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[p * classes + c]! > probabilities[p * classes + best]!) best = c;
    matrix[truth]![best]! += 1;
  }
}

/** Every metric of a confusion matrix. */
export function classificationReport(matrix: ConfusionMatrix, names: readonly string[]): ClassificationReport {
  const k = matrix.length;
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  const rows = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const columns = Array.from({ length: k }, (_, c) => matrix.reduce((sum, row) => sum + row[c]!, 0));
  const correct = matrix.reduce((sum, row, c) => sum + row[c]!, 0);
  const accuracy = total > 0 ? correct / total : 0;
  const expected = total > 0 ? rows.reduce((sum, r, c) => sum + r * columns[c]!, 0) / (total * total) : 0;
  const cohenKappa = expected < 1 ? (accuracy - expected) / (1 - expected) : 0;
  const perClass = matrix.map((row, c) => {
    const precision = columns[c]! > 0 ? row[c]! / columns[c]! : 0;
    const recall = rows[c]! > 0 ? row[c]! / rows[c]! : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { name: names[c] ?? String(c), precision, recall, f1, support: rows[c]! };
  });
  // scikit-learn's f1_score(average="macro", zero_division=0): every class that is labelled or predicted counts,
  // and a class predicted but never labelled (or labelled but never predicted) has F1 0.
  const present = perClass.filter((m, c) => m.support > 0 || columns[c]! > 0);
  const macroF1 = present.length > 0 ? present.reduce((sum, m) => sum + m.f1, 0) / present.length : 0;
  return { accuracy, cohenKappa, macroF1, perClass, confusion: matrix, count: total };
}
