/**
 * One simulated subject: demographics, the night's length and clock time,
 * and the personal traits that shape their sleep and ECG. Demographics are
 * not decoration: age flattens deep sleep and HRV, BMI and AHI fragment the
 * night, so the `additional` features carry real information.
 */
import type { SeededRandom } from './random.js';

/** Names of the demographics-like features, in the order they fill `additional`. */
export const DEMOGRAPHIC_FEATURES = [
  'age (years)',
  'sex (0 female, 1 male)',
  'BMI (kg/m²)',
  'neck circumference (cm)',
  'systolic blood pressure (mmHg)',
  'diastolic blood pressure (mmHg)',
  'apnea-hypopnea index (events/h)',
] as const;

/** A simulated subject and their night. */
export interface SubjectProfile {
  /** Night length in epochs. */
  nightEpochs: number;
  /** Lights-off time in hours since midnight, in [-3, 1): 21:00 to 01:00. */
  startHours: number;
  /**
   * `demographicCount` values: DEMOGRAPHIC_FEATURES in order (cut short when
   * fewer fit), then uninformative standard-normal covariates.
   */
  demographics: number[];
  /** Heart rate in N2 at the start of the night (bpm). */
  baselineHr: number;
  /** Breathing rate offset from the stage's rate (breaths per minute). */
  breathingOffset: number;
  /** Multiplies every HRV component; falls with age. */
  hrvScale: number;
  /** R-wave amplitude (mV). */
  rAmplitudeMv: number;
  /** Multiplies the P wave. */
  pScale: number;
  /** Multiplies the T wave. */
  tScale: number;
  /** Multiplies measurement noise; rises with BMI. */
  noiseScale: number;
  /** Multiplies the N3 per cycle; falls with age. */
  n3Factor: number;
  /** Multiplies the REM per cycle. */
  remFactor: number;
  /** Multiplies the rate of awakenings; rises with age and AHI. */
  arousalFactor: number;
  /** Minutes awake before sleep onset. */
  sleepLatencyMinutes: number;
}

/**
 * Draws a subject. Draws happen in a fixed order, extra covariates last, so
 * changing `demographicCount` or the night range changes nothing else.
 */
export function drawSubject(
  rng: SeededRandom,
  nightEpochs: { min: number; max: number },
  demographicCount: number,
): SubjectProfile {
  // One uniform draw whatever the range, so the range changes nothing else.
  const epochs = nightEpochs.min + Math.floor(rng.next() * (nightEpochs.max - nightEpochs.min + 1));
  const startHours = rng.uniform(-3, 1);
  const age = rng.clampedNormal(45, 14, 18, 85);
  const male = rng.chance(0.5) ? 1 : 0;
  const bmi = rng.clampedNormal(26 + male, 4, 17, 45);
  const neck = 34 + 4 * male + 0.45 * (bmi - 26) + 1.5 * rng.normal();
  const systolic = rng.clampedNormal(110 + 0.5 * (age - 20) + 0.8 * (bmi - 25), 10, 90, 190);
  const diastolic = rng.clampedNormal(0.6 * systolic, 6, 50, 115);
  const ahiMedian = 3 * Math.exp(0.03 * (age - 45) + 0.08 * (bmi - 26)) * (male ? 1.5 : 1);
  const ahi = Math.min(80, rng.logNormal(ahiMedian, 0.8));

  const profile: SubjectProfile = {
    nightEpochs: epochs,
    startHours,
    demographics: [age, male, bmi, neck, systolic, diastolic, ahi],
    baselineHr: rng.clampedNormal(62 + 0.25 * (bmi - 26) - 0.04 * (age - 45) + (male ? 0 : 3), 5, 46, 82),
    breathingOffset: rng.clampedNormal(0, 1.5, -4, 4),
    hrvScale: clamp((1.25 - 0.009 * age) * rng.logNormal(1, 0.15), 0.4, 1.6),
    rAmplitudeMv: clamp(rng.logNormal(1.1, 0.25) * Math.exp(-0.02 * (bmi - 26)), 0.4, 2.5),
    pScale: clamp(rng.logNormal(1, 0.2), 0.6, 1.4),
    tScale: clamp(rng.logNormal(1, 0.2), 0.6, 1.4),
    noiseScale: clamp(rng.logNormal(1, 0.25) * (1 + 0.02 * (bmi - 26)), 0.4, 2.5),
    n3Factor: clamp((1.45 - 0.011 * age) * (male ? 0.9 : 1) * rng.logNormal(1, 0.2), 0.15, 1.8),
    remFactor: rng.logNormal(1, 0.15),
    arousalFactor: clamp((0.55 + 0.01 * age) * (1 + ahi / 40) * rng.logNormal(1, 0.2), 0.3, 3),
    sleepLatencyMinutes: clamp(rng.logNormal(15, 0.5), 3, 60),
  };
  while (profile.demographics.length < demographicCount) profile.demographics.push(rng.normal());
  profile.demographics.length = demographicCount;
  return profile;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
