/**
 * The physiology behind synthetic ECG nights: how each sleep stage shapes
 * heart rate, heart-rate variability, breathing and signal quality, and the
 * PQRST waves of one beat. The stage differences are exaggerated a little
 * over textbook values so a small CNN on 32-Hz epochs can learn them.
 */

/** Sleep stage indices, in the label order W, N1, N2, N3, REM. */
export const Stage = { W: 0, N1: 1, N2: 2, N3: 3, REM: 4 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** Stage names in label order. */
export const STAGE_NAMES = ['W', 'N1', 'N2', 'N3', 'REM'] as const;

/** How one sleep stage drives the heart, the breath and the recording. */
export interface StageAutonomics {
  /** Mean heart rate relative to the subject's baseline (bpm). */
  hrOffsetBpm: number;
  /** Mean breathing rate (breaths per minute); respiratory sinus arrhythmia follows it. */
  breathsPerMinute: number;
  /** SD of the slow wandering of the breathing rate (breaths per minute): irregular breathing. */
  breathingIrregularity: number;
  /** Respiratory sinus arrhythmia: RR modulation with the breath, as a fraction of RR. */
  rsa: number;
  /** SD of the slow (~8 s) irregular RR fluctuation, as a fraction of RR. */
  slowVariability: number;
  /** SD of beat-to-beat white RR jitter, as a fraction of RR. */
  beatJitter: number;
  /** SD of white measurement and muscle noise (mV). */
  noiseMv: number;
  /** Amplitude of the breathing-driven baseline wander (mV). */
  wanderMv: number;
}

/**
 * Stage effects, indexed by stage: heart rate falls from W to N3 and rises
 * again in REM; HRV is lowest and most regular in N3, highest and most
 * irregular in REM and W; noise is highest in W.
 */
export const STAGE_AUTONOMICS: readonly StageAutonomics[] = [
  // W: fast, irregular and noisy; breathing-driven wander and movement
  {
    hrOffsetBpm: 13,
    breathsPerMinute: 16,
    breathingIrregularity: 2.5,
    rsa: 0.02,
    slowVariability: 0.05,
    beatJitter: 0.015,
    noiseMv: 0.08,
    wanderMv: 0.25,
  },
  // N1: drowsy, settling
  {
    hrOffsetBpm: 6,
    breathsPerMinute: 15,
    breathingIrregularity: 1.5,
    rsa: 0.025,
    slowVariability: 0.035,
    beatJitter: 0.011,
    noiseMv: 0.05,
    wanderMv: 0.15,
  },
  // N2: the reference; regular breathing, clear RSA
  {
    hrOffsetBpm: 0,
    breathsPerMinute: 14,
    breathingIrregularity: 0.8,
    rsa: 0.03,
    slowVariability: 0.022,
    beatJitter: 0.007,
    noiseMv: 0.035,
    wanderMv: 0.12,
  },
  // N3: slowest, most regular heart
  {
    hrOffsetBpm: -6,
    breathsPerMinute: 13,
    breathingIrregularity: 0.4,
    rsa: 0.02,
    slowVariability: 0.01,
    beatJitter: 0.004,
    noiseMv: 0.03,
    wanderMv: 0.1,
  },
  // REM: fast and irregular, with erratic breathing
  {
    hrOffsetBpm: 8,
    breathsPerMinute: 17,
    breathingIrregularity: 3,
    rsa: 0.015,
    slowVariability: 0.06,
    beatJitter: 0.02,
    noiseMv: 0.035,
    wanderMv: 0.12,
  },
];

/** Time constant (s) with which heart rate, HRV and breathing settle after a stage change. */
export const AUTONOMIC_SETTLING_SECONDS = 10;

/** One Gaussian wave of a beat, relative to the R peak. */
export interface Wave {
  name: 'P' | 'Q' | 'R' | 'S' | 'T';
  /** Centre relative to the R peak (s); scaled by sqrt(RR) when `scalesWithRr` (Bazett's QT). */
  offsetSeconds: number;
  /** Peak amplitude as a fraction of the R amplitude. */
  amplitude: number;
  /** Gaussian SD (s). */
  widthSeconds: number;
  scalesWithRr: boolean;
}

/** P, Q, R, S and T waves of a lead-II-like beat (after McSharry et al.'s ECGSYN). */
export const PQRST: readonly Wave[] = [
  { name: 'P', offsetSeconds: -0.2, amplitude: 0.12, widthSeconds: 0.025, scalesWithRr: false },
  { name: 'Q', offsetSeconds: -0.04, amplitude: -0.1, widthSeconds: 0.012, scalesWithRr: false },
  { name: 'R', offsetSeconds: 0, amplitude: 1, widthSeconds: 0.014, scalesWithRr: false },
  { name: 'S', offsetSeconds: 0.04, amplitude: -0.2, widthSeconds: 0.012, scalesWithRr: false },
  { name: 'T', offsetSeconds: 0.26, amplitude: 0.3, widthSeconds: 0.055, scalesWithRr: true },
];
