import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressClock, watchForStall, type Stall } from '../../src/process/stall.js';
import { terminate } from '../../src/process/terminate.js';

describe('the progress clock', () => {
  it('reports no stall while the silence is within the limit, counting from the start', () => {
    const clock = new ProgressClock(5000, 1000, 'the start of its trainChunk');
    expect(clock.stall(1000)).toBeUndefined();
    expect(clock.stall(6000)).toBeUndefined(); // exactly the limit is still allowed
    expect(clock.stall(6001)).toEqual({ after: 'the start of its trainChunk', silentMs: 5001 });
  });

  it('counts the silence from the last progress and names it', () => {
    const clock = new ProgressClock(5000, 0);
    clock.progress('step 1 (epoch 1)', 4000);
    clock.progress('step 2 (epoch 1)', 8000);
    expect(clock.stall(12_000)).toBeUndefined();
    expect(clock.stall(13_500)).toEqual({ after: 'step 2 (epoch 1)', silentMs: 5500 });
  });

  it('allows the start its own, longer limit until the first progress, then holds every gap to the limit', () => {
    const clock = new ProgressClock(5000, 0, 'its start', 60_000);
    expect(clock.stall(59_000)).toBeUndefined(); // a cold process start
    clock.progress('reaching the training process', 59_000);
    expect(clock.stall(64_000)).toBeUndefined();
    expect(clock.stall(64_500)).toEqual({ after: 'reaching the training process', silentMs: 5500 });
    expect(new ProgressClock(5000, 0, 'its start', 60_000).stall(60_001)).toEqual({ after: 'its start', silentMs: 60_001 });
  });

  it('says "its start" when nothing was ever reported and no start was named', () => {
    expect(new ProgressClock(10, 0).stall(11)?.after).toBe('its start');
  });
});

describe('watching for a stall', () => {
  afterEach(() => vi.useRealTimers());

  it('calls back once, within a quarter of the limit after the silence passes it, with what came last', () => {
    vi.useFakeTimers();
    const stalls: { stall: Stall; at: number }[] = [];
    const watch = watchForStall({ limitMs: 4000, start: 'the start', now: () => Date.now(), onStall: (stall) => stalls.push({ stall, at: Date.now() }) });
    const started = Date.now();
    for (let step = 1; step <= 5; step++) {
      vi.advanceTimersByTime(3000); // honest steps, each within the limit
      watch.progress(`step ${step}`);
    }
    expect(stalls).toEqual([]);
    vi.advanceTimersByTime(4000);
    expect(stalls).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]!.stall.after).toBe('step 5');
    expect(stalls[0]!.stall.silentMs).toBeGreaterThan(4000);
    expect(stalls[0]!.stall.silentMs).toBeLessThanOrEqual(5000);
    expect(stalls[0]!.at - started).toBe(15_000 + stalls[0]!.stall.silentMs);
    vi.advanceTimersByTime(60_000);
    expect(stalls).toHaveLength(1);
    watch.stop();
  });

  it('never calls back once stopped', () => {
    vi.useFakeTimers();
    const onStall = vi.fn();
    const watch = watchForStall({ limitMs: 1000, now: () => Date.now(), onStall });
    vi.advanceTimersByTime(500);
    watch.stop();
    vi.advanceTimersByTime(10_000);
    expect(onStall).not.toHaveBeenCalled();
  });
});

describe('terminating a process', () => {
  it('ends a process that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const started = performance.now();
    await terminate(child, 300);
    const ms = performance.now() - started;
    expect(await exited).toBe('SIGKILL');
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3000);
  });

  it('ends a process that honours SIGTERM at once, without waiting out the grace period', async () => {
    const child = spawn(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const started = performance.now();
    await terminate(child, 10_000);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(child.signalCode).toBe('SIGTERM');
  });
});
