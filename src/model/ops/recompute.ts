/**
 * Gradient checkpointing: `recomputedChain(steps, x, params)` runs a chain of
 * steps (batch norm → activation → dropout → convolution → pool, say),
 * keeping only its input `x` for the backward pass. There, it recomputes the
 * steps' inputs (one extra forward pass), then goes back through the chain one
 * step at a time, each step's vector-Jacobian product taken on a small tape of
 * its own and every input freed as soon as it has been used. Memory for the
 * chain falls from every intermediate of every step (tfjs's tape keeps them
 * all until the whole backward pass ends) to its input plus the few inputs
 * the recomputation holds at once. For a stack of such chains over every
 * epoch of a batch of nights (SleepNet's ECG CNN), that is the difference
 * between fitting and not.
 *
 * The recomputation runs in the training context of the forward pass (step,
 * batch part), so dropout draws the same masks. tfjs's engine keeps one
 * active tape, which a gradient taken during a backward pass would replace,
 * so the outer tape is put back after each step's.
 */
import * as tf from '@tensorflow/tfjs';
import { trainingContext, withTrainingContext } from '../training-context.js';

/** One step of a chain. */
export interface ChainStep {
  /** How many of the chain's parameter tensors (in order) this step takes. */
  params: number;
  /**
   * The step on `input` with its parameters; `first` is false when the
   * backward pass recomputes it (so side effects such as moving averages happen once).
   */
  run(input: tf.Tensor, params: tf.Tensor[], first: boolean): tf.Tensor;
  /**
   * A step that is a linear map equal to its own transpose (dropout: a
   * diagonal mask), whose gradient is therefore the step applied to the
   * incoming gradient: its input need not be kept.
   */
  selfAdjoint?: boolean;
}

/** The engine state a nested gradient must restore (tfjs-core keeps it on `ENGINE.state`). */
interface EngineState {
  state: { activeTape: unknown };
}

/**
 * The chain's output; differentiable with respect to `x` and every parameter,
 * with nothing but `x` and the parameters kept for the backward pass.
 */
export function recomputedChain(steps: readonly ChainStep[], x: tf.Tensor, params: tf.Tensor[]): tf.Tensor {
  const context = trainingContext();
  const paramsOf = (values: tf.Tensor[]) => {
    let at = 0;
    return steps.map((step) => values.slice(at, (at += step.params)));
  };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, ...values] = args as tf.Tensor[];
    save([input!, ...values]);
    const perStep = paramsOf(values);
    const value = steps.reduce((y, step, i) => step.run(y, perStep[i]!, true), input!);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [savedInput, ...savedValues]: tf.Tensor[]) =>
        withTrainingContext(context, () => backward(steps, savedInput!, paramsOf(savedValues), dy)),
    };
  });
  return op(x, ...params);
}

/** Recomputes the chain's step inputs, then backpropagates `dy` step by step, freeing as it goes. */
function backward(steps: readonly ChainStep[], x: tf.Tensor, params: tf.Tensor[][], dy: tf.Tensor): tf.Tensor[] {
  const inputs: (tf.Tensor | undefined)[] = [x];
  for (let i = 0; i < steps.length - 1; i++) {
    const next = tf.tidy(() => steps[i]!.run(inputs[i]!, params[i]!, false));
    if (steps[i]!.selfAdjoint) disposeOwn(inputs, i, x);
    inputs.push(next);
  }
  let gradient = dy;
  const paramGrads: tf.Tensor[][] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const [dx, ...dParams] = step.selfAdjoint
      ? [tf.tidy(() => step.run(gradient, params[i]!, false))]
      : nestedGradients((value, ...p) => step.run(value, p, false), [inputs[i]!, ...params[i]!], gradient);
    paramGrads[i] = dParams;
    disposeOwn(inputs, i, x);
    if (gradient !== dy) gradient.dispose();
    gradient = dx!;
  }
  return [gradient, ...paramGrads.flat()];
}

/** Frees a recomputed input (never the chain's own saved input). */
function disposeOwn(inputs: (tf.Tensor | undefined)[], i: number, x: tf.Tensor): void {
  const input = inputs[i];
  if (input && input !== x) input.dispose();
  inputs[i] = undefined;
}

/** Gradients of Σ f(xs)·dy with respect to each of `xs`, taken inside another gradient's backward pass. */
function nestedGradients(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineState;
  const outer = engine.state.activeTape;
  try {
    const { value, grads } = tf.engine().gradients(() => f(...xs), xs, dy, true);
    value.dispose();
    return grads.map((grad, i) => grad ?? tf.zerosLike(xs[i]!));
  } finally {
    engine.state.activeTape = outer;
  }
}
