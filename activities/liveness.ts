/**
 * Heartbeats while work runs in the training process: the work may go longer
 * than the heartbeat timeout between progress reports, and the worker is alive
 * as long as its event loop is (the CPU-heavy part runs in another process).
 */
import { Context } from '@temporalio/activity';

const LIVENESS_SECONDS = 5;

/**
 * Runs `work`, heartbeating `details()` now and every few seconds (at most a
 * third of the heartbeat timeout apart) until it settles.
 */
export async function withLiveness<T>(work: () => Promise<T>, details: () => unknown = () => undefined): Promise<T> {
  const context = Context.current();
  context.heartbeat(details());
  const timeoutMs = context.info.heartbeatTimeoutMs || Number.POSITIVE_INFINITY;
  const timer = setInterval(() => context.heartbeat(details()), Math.min(LIVENESS_SECONDS * 1000, timeoutMs / 3));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
