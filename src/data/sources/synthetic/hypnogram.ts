/**
 * The night's sleep stages. Sleep onset follows a wake period; then come
 * ~90-minute cycles of N1 → N2 → N3 → N2 → REM in which N3 shrinks and REM
 * grows cycle by cycle. Inside each stretch a semi-Markov process interrupts
 * the stretch's stage with brief excursions (N2 into N1 or an awakening, N3
 * up to N2, REM into N1 or W), each stage keeping a minimum dwell time, so
 * stages never flicker epoch by epoch. The night may end with a morning
 * awakening.
 *
 * Nights shorter than `FULL_NIGHT_MINUTES` are compressed in time (every
 * duration scaled, at least one epoch each) so that even the few-minute
 * nights of test configs hold every stage.
 */
import { Stage } from './physiology.js';
import type { SeededRandom } from './random.js';
import type { SubjectProfile } from './subject.js';

/** Nights shorter than this (minutes) are compressed in time to hold three cycles. */
export const FULL_NIGHT_MINUTES = 270;

/** Range of one sleep cycle's length (minutes). */
const CYCLE_MINUTES = [80, 105] as const;
/** N3 per cycle (minutes, before the subject's factor); none after the fifth cycle. */
const N3_MINUTES = [35, 22, 8, 2, 0];
/** REM per cycle (minutes, before the subject's factor); the last value repeats. */
const REM_MINUTES = [12, 22, 30, 35, 38];

/** How a stretch of one stage is interrupted: dwell in the stage, then an excursion. */
interface StretchDynamics {
  /** Shortest dwell in the stage between excursions (minutes). */
  minDwell: number;
  /** Mean dwell beyond the minimum (minutes), divided by the subject's arousal factor. */
  meanExtraDwell: number;
  /** Where excursions go, with their probability and duration range (minutes). */
  excursions: readonly { stage: Stage; p: number; minutes: readonly [number, number] }[];
}

const STRETCH: Record<Stage, StretchDynamics> = {
  [Stage.W]: { minDwell: 1.5, meanExtraDwell: 4, excursions: [{ stage: Stage.N1, p: 1, minutes: [0.5, 1.5] }] },
  [Stage.N1]: { minDwell: 0.5, meanExtraDwell: Infinity, excursions: [] },
  [Stage.N2]: {
    minDwell: 2,
    meanExtraDwell: 9,
    excursions: [
      { stage: Stage.N1, p: 0.5, minutes: [0.5, 1.5] },
      { stage: Stage.W, p: 0.5, minutes: [0.5, 3] },
    ],
  },
  [Stage.N3]: {
    minDwell: 2,
    meanExtraDwell: 7,
    excursions: [
      { stage: Stage.N2, p: 0.85, minutes: [0.5, 2] },
      { stage: Stage.W, p: 0.15, minutes: [0.5, 1.5] },
    ],
  },
  [Stage.REM]: {
    minDwell: 2,
    meanExtraDwell: 8,
    excursions: [
      { stage: Stage.W, p: 0.5, minutes: [0.5, 2] },
      { stage: Stage.N1, p: 0.5, minutes: [0.5, 1] },
    ],
  },
};

/** Chance that a cycle ends in a long awakening, before the subject's arousal factor. */
const LONG_AWAKENING_CHANCE = 0.4;
/** Chance of a morning awakening before the recording ends. */
const MORNING_AWAKENING_CHANCE = 0.7;

/** The stage of each epoch of a night of `epochs` epochs. */
export function generateHypnogram(
  rng: SeededRandom,
  subject: SubjectProfile,
  epochs: number,
  epochSeconds: number,
): Int32Array {
  const nightMinutes = (epochs * epochSeconds) / 60;
  const night = new NightWriter(epochs, (epochSeconds / 60) * Math.max(1, FULL_NIGHT_MINUTES / nightMinutes));
  writeStretch(rng, night, subject, Stage.W, subject.sleepLatencyMinutes);
  night.write(Stage.N1, night.epochsOf(rng.uniform(2, 7)));
  for (let cycle = 0; !night.full; cycle++) writeCycle(rng, night, subject, cycle);
  if (rng.chance(MORNING_AWAKENING_CHANCE)) {
    const morning = Math.min(night.epochsOf(rng.uniform(3, 20)), Math.floor(epochs / 10));
    night.stages.fill(Stage.W, epochs - morning);
  }
  return night.stages;
}

function writeCycle(rng: SeededRandom, night: NightWriter, subject: SubjectProfile, cycle: number): void {
  const length = rng.uniform(...CYCLE_MINUTES);
  const n3 = (N3_MINUTES[cycle] ?? 0) * subject.n3Factor * rng.uniform(0.7, 1.3);
  const rem = REM_MINUTES[Math.min(cycle, REM_MINUTES.length - 1)]! * subject.remFactor * rng.uniform(0.7, 1.3);
  const entryN1 = cycle > 0 && rng.chance(0.6) ? rng.uniform(0.5, 3) : 0;
  const n2 = Math.max(8, length - n3 - rem - entryN1);
  const n2BeforeN3 = n3 > 0 ? n2 * rng.uniform(0.5, 0.75) : n2;
  if (entryN1 > 0) night.write(Stage.N1, night.epochsOf(entryN1));
  writeStretch(rng, night, subject, Stage.N2, n2BeforeN3);
  if (n3 > 0) {
    writeStretch(rng, night, subject, Stage.N3, n3);
    writeStretch(rng, night, subject, Stage.N2, n2 - n2BeforeN3);
  }
  writeStretch(rng, night, subject, Stage.REM, rem);
  if (rng.chance(LONG_AWAKENING_CHANCE * subject.arousalFactor)) {
    writeStretch(rng, night, subject, Stage.W, rng.uniform(3, 12));
    night.write(Stage.N1, night.epochsOf(rng.uniform(0.5, 2)));
  }
}

/** A stretch of `stage` lasting `minutes`, with semi-Markov excursions out of it and back. */
function writeStretch(rng: SeededRandom, night: NightWriter, subject: SubjectProfile, stage: Stage, minutes: number): void {
  const dynamics = STRETCH[stage];
  const end = Math.min(night.stages.length, night.position + night.epochsOf(minutes));
  while (night.position < end) {
    const dwell = dynamics.minDwell + rng.exponential(dynamics.meanExtraDwell / subject.arousalFactor);
    night.write(stage, Math.min(end - night.position, night.epochsOf(dwell)));
    if (night.position >= end || dynamics.excursions.length === 0) continue;
    const excursion = dynamics.excursions[rng.pick(dynamics.excursions.map((e) => e.p))]!;
    night.write(excursion.stage, Math.min(end - night.position, night.epochsOf(rng.uniform(...excursion.minutes))));
    if (excursion.stage === Stage.W && stage !== Stage.W && night.position < end) night.write(Stage.N1, 1);
  }
}

/** Writes stages into the night epoch by epoch, converting minutes at the night's time scale. */
class NightWriter {
  readonly stages: Int32Array;
  position = 0;

  constructor(
    epochs: number,
    /** Minutes of the uncompressed night that one epoch stands for. */
    private readonly minutesPerEpoch: number,
  ) {
    this.stages = new Int32Array(epochs);
  }

  get full(): boolean {
    return this.position >= this.stages.length;
  }

  /** Whole epochs for `minutes`, at least one. */
  epochsOf(minutes: number): number {
    return Math.max(1, Math.round(minutes / this.minutesPerEpoch));
  }

  write(stage: Stage, epochs: number): void {
    const end = Math.min(this.stages.length, this.position + epochs);
    this.stages.fill(stage, this.position, end);
    this.position = end;
  }
}
