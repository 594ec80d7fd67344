/**
 * The optimizer step the process is training, for layers whose behaviour
 * depends on it (dropout draws a fresh mask per step from (seed, step, layer)).
 * The training loop sets it before each step; it is 0 outside training.
 */
let current = 0;

/** Sets the step that layers see; call before computing a training step's loss. */
export function setTrainingStep(step: number): void {
  current = step;
}

/** The current training step. */
export function trainingStep(): number {
  return current;
}
