/**
 * The night's autonomic state on a 4-Hz grid, and the heartbeats it drives.
 * Stage effects (heart rate, HRV, breathing) settle exponentially after each
 * stage change; on top come a slow heart-rate drift, a night-long decline,
 * an irregular ~8-s RR fluctuation and beat-to-beat jitter. Breathing phase
 * is integrated from a wandering breathing rate, so respiratory sinus
 * arrhythmia, R-amplitude modulation and baseline wander all follow the
 * same breath. Beat times are generated once per night, so beats run on
 * across epoch boundaries.
 */
import { AUTONOMIC_SETTLING_SECONDS, STAGE_AUTONOMICS, type StageAutonomics } from './physiology.js';
import type { SeededRandom } from './random.js';
import type { SubjectProfile } from './subject.js';

/** Rate of the autonomic grid (Hz). */
export const GRID_HZ = 4;

/** Autonomic state sampled at GRID_HZ from the start of the night. */
export interface AutonomicGrid {
  /** Target heart rate (bpm). */
  heartRate: Float64Array;
  /** Breathing phase (radians, increasing). */
  breathPhase: Float64Array;
  /** RSA amplitude (fraction of RR). */
  rsa: Float64Array;
  /** Slow RR fluctuation (fraction of RR), already scaled by the stage's SD. */
  slowFluctuation: Float64Array;
  /** Beat-to-beat jitter SD (fraction of RR). */
  beatJitter: Float64Array;
  /** Baseline (mV): breathing-driven wander plus slow electrode drift. */
  baseline: Float64Array;
}

/** The beats of a night. */
export interface BeatTrain {
  /** R-peak times (s from the start of the night). */
  times: Float64Array;
  /** The RR interval that follows each beat (s). */
  rr: Float64Array;
  /** R amplitude of each beat (mV), modulated by breathing. */
  amplitude: Float64Array;
}

/** SD of the slow heart-rate drift (bpm) and its time constant (s). */
const HR_DRIFT = { sd: 1.5, seconds: 120 };
/** Heart-rate decline over eight hours of night (bpm). */
const NIGHT_DECLINE_BPM = 4;
/** Time constants (s) of the slow RR fluctuation, breathing irregularity and electrode drift. */
const SLOW_FLUCTUATION_SECONDS = 8;
const BREATHING_WANDER_SECONDS = 20;
const ELECTRODE_DRIFT = { sd: 0.08, seconds: 30 };
/** R-amplitude modulation by breathing (fraction). */
const RESPIRATORY_AMPLITUDE_MODULATION = 0.07;

/** The autonomic state of a night whose epochs have the given stages. */
export function generateAutonomics(
  rng: SeededRandom,
  subject: SubjectProfile,
  stages: Int32Array,
  epochSeconds: number,
): AutonomicGrid {
  const steps = Math.ceil(stages.length * epochSeconds * GRID_HZ) + 1;
  const grid: AutonomicGrid = {
    heartRate: new Float64Array(steps),
    breathPhase: new Float64Array(steps),
    rsa: new Float64Array(steps),
    slowFluctuation: new Float64Array(steps),
    beatJitter: new Float64Array(steps),
    baseline: new Float64Array(steps),
  };
  const dt = 1 / GRID_HZ;
  const settle = 1 - Math.exp(-dt / AUTONOMIC_SETTLING_SECONDS);
  const drift = new Ar1(rng, dt, HR_DRIFT.seconds);
  const slow = new Ar1(rng, dt, SLOW_FLUCTUATION_SECONDS);
  const breathingWander = new Ar1(rng, dt, BREATHING_WANDER_SECONDS);
  const electrode = new Ar1(rng, dt, ELECTRODE_DRIFT.seconds);
  const first = STAGE_AUTONOMICS[stages[0] ?? 0]!;
  const state: StageAutonomics = { ...first };
  let phase = rng.uniform(0, 2 * Math.PI);
  for (let g = 0; g < steps; g++) {
    const t = g * dt;
    const target = STAGE_AUTONOMICS[stages[Math.min(stages.length - 1, Math.floor(t / epochSeconds))]!]!;
    settleToward(state, target, settle);
    const hrv = subject.hrvScale;
    const decline = (NIGHT_DECLINE_BPM * t) / (8 * 3600);
    grid.heartRate[g] = subject.baselineHr + state.hrOffsetBpm + HR_DRIFT.sd * drift.next() - decline;
    grid.rsa[g] = hrv * state.rsa;
    grid.slowFluctuation[g] = hrv * state.slowVariability * slow.next();
    grid.beatJitter[g] = hrv * state.beatJitter;
    const breathing = state.breathsPerMinute + subject.breathingOffset + state.breathingIrregularity * breathingWander.next();
    const breathsPerMinute = Math.max(6, breathing);
    phase += (2 * Math.PI * breathsPerMinute * dt) / 60;
    grid.breathPhase[g] = phase;
    grid.baseline[g] = state.wanderMv * Math.sin(phase) + ELECTRODE_DRIFT.sd * electrode.next();
  }
  return grid;
}

/** Heartbeats driven by the autonomic grid, from a random phase at t = 0 to the end of the night. */
export function generateBeats(rng: SeededRandom, subject: SubjectProfile, grid: AutonomicGrid, seconds: number): BeatTrain {
  const capacity = Math.ceil(seconds / 0.3) + 2;
  const times = new Float64Array(capacity);
  const rr = new Float64Array(capacity);
  const amplitude = new Float64Array(capacity);
  const last = grid.heartRate.length - 1;
  let count = 0;
  for (let t = rng.uniform(0, 1); t < seconds && count < capacity; count++) {
    const g = Math.min(last, Math.round(t * GRID_HZ));
    const breath = Math.sin(grid.breathPhase[g]!);
    const modulation = 1 - grid.rsa[g]! * breath + grid.slowFluctuation[g]! + grid.beatJitter[g]! * rng.normal();
    const interval = Math.min(2, Math.max(0.3, (60 / grid.heartRate[g]!) * modulation));
    times[count] = t;
    rr[count] = interval;
    amplitude[count] = subject.rAmplitudeMv * (1 + RESPIRATORY_AMPLITUDE_MODULATION * breath);
    t += interval;
  }
  return { times: times.subarray(0, count), rr: rr.subarray(0, count), amplitude: amplitude.subarray(0, count) };
}

/** Moves each stage effect a fraction `settle` of the way to the target stage's value. */
function settleToward(state: StageAutonomics, target: StageAutonomics, settle: number): void {
  state.hrOffsetBpm += (target.hrOffsetBpm - state.hrOffsetBpm) * settle;
  state.breathsPerMinute += (target.breathsPerMinute - state.breathsPerMinute) * settle;
  state.breathingIrregularity += (target.breathingIrregularity - state.breathingIrregularity) * settle;
  state.rsa += (target.rsa - state.rsa) * settle;
  state.slowVariability += (target.slowVariability - state.slowVariability) * settle;
  state.beatJitter += (target.beatJitter - state.beatJitter) * settle;
  state.wanderMv += (target.wanderMv - state.wanderMv) * settle;
}

/** A unit-variance AR(1) process with time constant `seconds`, sampled every `dt` seconds. */
class Ar1 {
  private value: number;
  private readonly keep: number;
  private readonly innovation: number;

  constructor(
    private readonly rng: SeededRandom,
    dt: number,
    seconds: number,
  ) {
    this.keep = Math.exp(-dt / seconds);
    this.innovation = Math.sqrt(1 - this.keep * this.keep);
    this.value = rng.normal();
  }

  next(): number {
    this.value = this.keep * this.value + this.innovation * this.rng.normal();
    return this.value;
  }
}
