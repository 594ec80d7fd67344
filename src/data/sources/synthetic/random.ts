/**
 * The seeded random stream behind every synthetic draw: a pure-rand
 * xoroshiro128+ generator with the few distributions the generator needs.
 * The same seed always gives the same sequence, on every platform.
 */
import { uniformFloat32 } from 'pure-rand/distribution/uniformFloat32';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A deterministic random stream; each record draws from streams seeded by `deriveSeed`. */
export class SeededRandom {
  private readonly generator: RandomGenerator;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high], both included. */
  int(low: number, high: number): number {
    return uniformInt(this.generator, low, high);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * Standard normal by Marsaglia's polar method on 24-bit uniforms (one
   * generator step each: fast enough for per-sample noise). The second
   * value of each pair is kept for the next call.
   */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let x: number;
    let y: number;
    let r: number;
    do {
      x = 2 * uniformFloat32(this.generator) - 1;
      y = 2 * uniformFloat32(this.generator) - 1;
      r = x * x + y * y;
    } while (r >= 1 || r === 0);
    const scale = Math.sqrt((-2 * Math.log(r)) / r);
    this.spareNormal = y * scale;
    return x * scale;
  }

  /** Normal with `mean` and `sd`, clamped to [low, high]. */
  clampedNormal(mean: number, sd: number, low: number, high: number): number {
    return Math.min(high, Math.max(low, mean + sd * this.normal()));
  }

  /** Log-normal with the given median and log-scale sd. */
  logNormal(median: number, logSd: number): number {
    return median * Math.exp(logSd * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** An index drawn with probability proportional to `weights`. */
  pick(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
