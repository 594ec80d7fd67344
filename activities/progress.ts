/**
 * Heartbeat details that follow the training process's progress: what it last
 * reported and when. Liveness heartbeats repeat the last details, so the time
 * says how fresh they are; a process silent past its stall limit is killed
 * (see `src/process/stall.ts`).
 */

export interface ProgressDetails {
  /** The last progress reported, in words (`batch 12 of the test split`). */
  progress?: string;
  /** When it was reported (ISO 8601). */
  progressAt?: string;
}

/** `base` with the latest progress, for `withLiveness`; `onProgress` for the process hooks. */
export function progressDetails<T extends object>(base: T): { onProgress(what: string): void; details(): T & ProgressDetails } {
  let details: T & ProgressDetails = base;
  return {
    onProgress: (progress) => {
      details = { ...base, progress, progressAt: new Date().toISOString() };
    },
    details: () => details,
  };
}
