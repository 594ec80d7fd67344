/**
 * The promotion gate: does a challenger replace the champion? Pure (the
 * retraining workflow decides with it, deterministically): the challenger must
 * beat the champion on the configured test metric by at least the margin;
 * with no champion yet, it is promoted.
 */
import type { Promotion, PromotionMetric } from '../src/config/train/promotion.js';

export interface GateVerdict {
  promoted: boolean;
  reason: string;
}

/** Loss improves downwards; the classification metrics upwards. */
export function improvement(metric: PromotionMetric, challenger: number, champion: number): number {
  return metric === 'loss' ? champion - challenger : challenger - champion;
}

export function promotionVerdict(gate: Promotion, challenger: number, champion: number | undefined): GateVerdict {
  const name = `test ${gate.metric}`;
  if (champion === undefined) return { promoted: true, reason: `no champion yet; the challenger's ${name} is ${challenger.toFixed(4)}` };
  const gain = improvement(gate.metric, challenger, champion);
  const compared = `challenger ${challenger.toFixed(4)} vs champion ${champion.toFixed(4)} (${gain >= 0 ? '+' : ''}${gain.toFixed(4)}, margin ${gate.margin})`;
  return gain > 0 && gain >= gate.margin
    ? { promoted: true, reason: `the challenger beats the champion on ${name}: ${compared}` }
    : { promoted: false, reason: `the challenger does not beat the champion on ${name} by the margin: ${compared}` };
}
