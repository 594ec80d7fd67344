/** Seconds per stage, as workflows report them (workflow time: deterministic on replay). */

/** A function that awaits a stage's work and records its seconds under `stage` in `into`. */
export function stageTimer(into: Record<string, number>) {
  return async <T>(stage: string, work: Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work;
    } finally {
      into[stage] = (Date.now() - started) / 1000;
    }
  };
}
