/**
 * Seeds derived from the run seed and a stable name, so every initializer and
 * every dropout layer gets a seed of its own: two builds with the same run
 * seed are identical, and no two weights share random streams.
 */
import { createHash } from 'node:crypto';

/** A 31-bit seed for `name` under `seed`: the same inputs always give the same seed. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  const digest = createHash('sha256').update([seed, ...parts].join('\u0000')).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}
