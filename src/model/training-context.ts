/**
 * What layers need to know about the training step under way, set by the
 * training loop around each forward pass:
 *
 * - the optimizer step, from which dropout draws its masks, so a resumed run
 *   sees exactly the masks of an uninterrupted one;
 * - which part of the batch the forward pass sees (a micro-batch of
 *   `samples` samples starting at sample `firstSample` of `batchSamples`),
 *   so dropout masks depend on a value's place in the whole batch, never on
 *   how the batch was split into micro-batches or recomputed in chunks.
 *
 * Outside training it is step 0, one whole batch.
 */

/** The step and the part of the batch a forward pass computes. */
export interface TrainingContext {
  step: number;
  /** Index, in the whole batch, of the first sample this pass sees. */
  firstSample: number;
  /** Samples this pass sees. */
  samples: number;
  /**
   * Ids of the rows of a sequence folded to its real steps (see `FoldTime`):
   * sample (in the whole batch) + step · 2¹⁶, so dropout masks follow a
   * value's sample and step, never the padding around it.
   */
  foldedRows?: Int32Array;
}

let current: TrainingContext = { step: 0, firstSample: 0, samples: 0 };

/** Sets the step that layers see; call before computing a training step's loss. */
export function setTrainingStep(step: number): void {
  current = { step, firstSample: 0, samples: 0 };
}

/** Runs `pass` as the forward pass over `samples` samples starting at `firstSample` of the current step's batch. */
export function withBatchPart<T>(firstSample: number, samples: number, pass: () => T): T {
  const outer = current;
  current = { ...outer, firstSample, samples };
  try {
    return pass();
  } finally {
    current = outer;
  }
}

/** The current training context. */
export function trainingContext(): TrainingContext {
  return current;
}

/** Runs `pass` in a context captured earlier (a backward pass recomputing a forward one sees that forward pass's context). */
export function withTrainingContext<T>(context: TrainingContext, pass: () => T): T {
  const outer = current;
  current = context;
  try {
    return pass();
  } finally {
    current = outer;
  }
}

/** Records the ids of the folded real steps of this pass (local sample indices; placed in the whole batch here). */
export function setFoldedRows(ids: Int32Array): void {
  const offset = current.firstSample;
  current.foldedRows = offset === 0 ? ids : ids.map((id) => (id + offset) | 0);
}

/** The whole-batch ids of a folded tensor's `rows` rows, when this pass folded that many real steps. */
export function foldedRowIds(rows: number): Int32Array | undefined {
  return current.foldedRows?.length === rows ? current.foldedRows : undefined;
}

/** The current training step. */
export function trainingStep(): number {
  return current.step;
}

/**
 * Where row 0 of a tensor of `rows` rows sits among the rows of the whole
 * batch: rows are samples, or a whole number of rows per sample (a night
 * folded into its epochs), so the offset scales with rows per sample.
 */
export function rowOffset(rows: number): number {
  const { firstSample, samples } = current;
  if (samples === 0 || firstSample === 0) return 0;
  return firstSample * (rows / samples);
}
