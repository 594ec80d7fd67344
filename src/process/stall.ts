/**
 * Liveness from progress: a child process that does heavy work (a training
 * chunk, an evaluation, a scoring run) reports progress as it goes (a step,
 * a checkpoint, a batch). A parent that has heard nothing for longer than the
 * configured limit presumes it hung (a deadlock, a kernel that never returns)
 * and ends it, instead of keeping a dead attempt "alive" on the strength of
 * its own heartbeats until the activity's start-to-close timeout.
 */

/** How long work may go without reporting progress, and the config key that says so (named in the error). */
export interface StallLimit {
  seconds: number;
  /** The dotted config path of the limit, e.g. `training.stallTimeoutSeconds`. */
  setting: string;
}

/** Silence past the limit: what was last heard, and how long ago. */
export interface Stall {
  /** The last progress reported, in words (`step 3 (epoch 1)`), or what the work began with. */
  after: string;
  silentMs: number;
}

/**
 * The time and description of the last progress, and whether the silence
 * since has outlasted `limitMs` (`startLimitMs` before the first report: a
 * process may take longer to start than to make progress once it runs).
 * Pure: the caller supplies the clock.
 */
export class ProgressClock {
  private last: { after: string; at: number };
  private heard = false;

  constructor(
    readonly limitMs: number,
    startedAt: number,
    /** What counts as the last progress before any is reported. */
    start = 'its start',
    readonly startLimitMs = limitMs,
  ) {
    this.last = { after: start, at: startedAt };
  }

  /** Records progress described as `after`, made at `at`. */
  progress(after: string, at: number): void {
    this.last = { after, at };
    this.heard = true;
  }

  /** The stall at `now`, when the silence has gone past the limit. */
  stall(now: number): Stall | undefined {
    const silentMs = now - this.last.at;
    return silentMs > (this.heard ? this.limitMs : this.startLimitMs) ? { after: this.last.after, silentMs } : undefined;
  }
}

/** A running watch: feed it progress, stop it when the work settles. */
export interface StallWatch {
  progress(after: string): void;
  stop(): void;
}

/**
 * Calls `onStall` once when no progress has been reported for longer than
 * `limitMs` (`startLimitMs` until the first report), checking a few times per
 * limit (at least once a second), so a stall is noticed at most a quarter of
 * the limit (or a second) late. The timer does not keep the process alive.
 */
export function watchForStall(options: { limitMs: number; startLimitMs?: number; onStall(stall: Stall): void; start?: string; now?: () => number }): StallWatch {
  const now = options.now ?? (() => performance.now());
  const clock = new ProgressClock(options.limitMs, now(), options.start, options.startLimitMs);
  const timer = setInterval(
    () => {
      const stall = clock.stall(now());
      if (!stall) return;
      clearInterval(timer);
      options.onStall(stall);
    },
    Math.max(10, Math.min(1000, options.limitMs / 4)),
  );
  timer.unref();
  return {
    progress: (after) => clock.progress(after, now()),
    stop: () => clearInterval(timer),
  };
}
