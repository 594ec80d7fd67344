/**
 * Renders a night's ECG: each beat as a sum of Gaussian PQRST waves, plus
 * baseline wander, stage-dependent white noise, motion artefacts in wake and
 * the occasional lead-off stretch (flagged by weight 0). Every wave is
 * convolved analytically with a Gaussian anti-aliasing kernel of SD
 * 0.4 / samplingRateHz (area kept), so low sampling rates see a smoothed QRS
 * instead of aliased spikes.
 */
import { GRID_HZ, type AutonomicGrid, type BeatTrain } from './autonomics.js';
import { PQRST, STAGE_AUTONOMICS, Stage } from './physiology.js';
import type { SeededRandom } from './random.js';
import type { SubjectProfile } from './subject.js';

/** Sampling of the rendered signal. */
export interface Sampling {
  samplingRateHz: number;
  epochSeconds: number;
}

/** Chance that a wake epoch holds a motion artefact, the range of its length (s) and its median amplitude (mV). */
const MOTION_ARTEFACT = { chance: 0.3, seconds: [0.5, 4] as const, medianMv: 0.8 };
/** Chance that a night has a lead-off stretch, and its length range (epochs). */
const LEAD_OFF = { chance: 0.3, epochs: [1, 4] as const };

/** Adds the beats' PQRST waves to `signal` (samples from t = 0). */
export function renderBeats(signal: Float32Array, beats: BeatTrain, subject: SubjectProfile, samplingRateHz: number): void {
  const antiAlias = 0.4 / samplingRateHz;
  const waves = PQRST.map((wave) => {
    const width = Math.hypot(wave.widthSeconds, antiAlias);
    const scale = wave.name === 'P' ? subject.pScale : wave.name === 'T' ? subject.tScale : 1;
    return { ...wave, width, peak: (wave.amplitude * scale * wave.widthSeconds) / width };
  });
  for (let b = 0; b < beats.times.length; b++) {
    const beat = beats.times[b]!;
    const rr = beats.rr[b]!;
    const amplitude = beats.amplitude[b]!;
    for (const wave of waves) {
      const centre = beat + (wave.scalesWithRr ? wave.offsetSeconds * Math.sqrt(rr) : wave.offsetSeconds);
      const first = Math.max(0, Math.ceil((centre - 4 * wave.width) * samplingRateHz));
      const last = Math.min(signal.length - 1, Math.floor((centre + 4 * wave.width) * samplingRateHz));
      const peak = amplitude * wave.peak;
      const inverseWidth = 1 / wave.width;
      for (let k = first; k <= last; k++) {
        const z = (k / samplingRateHz - centre) * inverseWidth;
        signal[k]! += peak * Math.exp(-0.5 * z * z);
      }
    }
  }
}

/** Adds the grid's baseline (linearly interpolated) and white noise at each epoch's stage level. */
export function addBaselineAndNoise(
  signal: Float32Array,
  rng: SeededRandom,
  grid: AutonomicGrid,
  stages: Int32Array,
  subject: SubjectProfile,
  sampling: Sampling,
): void {
  const perEpoch = sampling.samplingRateHz * sampling.epochSeconds;
  const gridPerSample = GRID_HZ / sampling.samplingRateHz;
  const lastGrid = grid.baseline.length - 1;
  for (let epoch = 0; epoch < stages.length; epoch++) {
    const noise = STAGE_AUTONOMICS[stages[epoch]!]!.noiseMv * subject.noiseScale;
    for (let k = epoch * perEpoch; k < (epoch + 1) * perEpoch; k++) {
      const position = k * gridPerSample;
      const g = Math.min(lastGrid - 1, Math.floor(position));
      const fraction = position - g;
      const baseline = grid.baseline[g]! * (1 - fraction) + grid.baseline[g + 1]! * fraction;
      signal[k]! += baseline + noise * rng.normal();
    }
  }
}

/** Adds motion artefacts to some wake epochs: short bursts of large, low-frequency oscillation and noise. */
export function addMotionArtefacts(signal: Float32Array, rng: SeededRandom, stages: Int32Array, sampling: Sampling): void {
  const rate = sampling.samplingRateHz;
  for (let epoch = 0; epoch < stages.length; epoch++) {
    if (stages[epoch] !== Stage.W || !rng.chance(MOTION_ARTEFACT.chance)) continue;
    const seconds = rng.uniform(...MOTION_ARTEFACT.seconds);
    const start = (epoch + rng.uniform(0, 1)) * sampling.epochSeconds - seconds / 2;
    const amplitude = rng.logNormal(MOTION_ARTEFACT.medianMv, 0.5);
    const frequency = rng.uniform(0.5, 4);
    const phase = rng.uniform(0, 2 * Math.PI);
    const first = Math.max(0, Math.ceil(start * rate));
    const last = Math.min(signal.length - 1, Math.floor((start + seconds) * rate));
    for (let k = first; k <= last; k++) {
      const t = k / rate - start;
      const envelope = Math.sin((Math.PI * t) / seconds) ** 2;
      signal[k]! += amplitude * envelope * (Math.sin(2 * Math.PI * frequency * t + phase) + 0.4 * rng.normal());
    }
  }
}

/**
 * Replaces a stretch of epochs with a flat, faintly noisy line (a loose
 * electrode) in some nights, and sets those epochs' weights to 0.
 */
export function addLeadOff(signal: Float32Array, weights: Float32Array, rng: SeededRandom, sampling: Sampling): void {
  if (!rng.chance(LEAD_OFF.chance)) return;
  const perEpoch = sampling.samplingRateHz * sampling.epochSeconds;
  const length = Math.min(weights.length, rng.int(...LEAD_OFF.epochs));
  const start = rng.int(0, weights.length - length);
  const offset = rng.uniform(-0.5, 0.5);
  for (let k = start * perEpoch; k < (start + length) * perEpoch; k++) signal[k] = offset + 0.01 * rng.normal();
  weights.fill(0, start, start + length);
}
