/**
 * Seeded synthetic ECG nights: the data Epochal's demo and tests train on.
 * Each subject's night is generated on demand from the source seed and the
 * subject index alone, so records do not depend on access order and nothing
 * is held per subject. The physiology lives in `./synthetic/`: stages in
 * `hypnogram.ts`, heart and breath in `autonomics.ts`, the waveform in
 * `ecg-signal.ts`, their parameters in `physiology.ts` and `subject.ts`.
 */
import { canonicalJson, sha256 } from '../../config/read-json.js';
import type { DataSource } from '../../config/data/sources.js';
import { DataError } from '../../errors.js';
import { deriveSeed } from '../../model/seeds.js';
import type { DataRecord, Dataset, DatasetContext, FieldSpec } from '../dataset.js';
import { generateAutonomics, generateBeats } from './synthetic/autonomics.js';
import { addBaselineAndNoise, addLeadOff, addMotionArtefacts, renderBeats } from './synthetic/ecg-signal.js';
import { generateHypnogram } from './synthetic/hypnogram.js';
import { STAGE_NAMES } from './synthetic/physiology.js';
import { SeededRandom } from './synthetic/random.js';
import { drawSubject } from './synthetic/subject.js';

export type SyntheticEcgSource = Extract<DataSource, { type: 'syntheticEcg' }>;

/**
 * Version of the generator; part of the fingerprint. Bump it whenever a
 * change to `./synthetic/` or this file changes any generated value.
 */
export const SYNTHETIC_ECG_GENERATOR_VERSION = 1;

/** A synthetic ECG dataset: records are generated synchronously, and it always has a fingerprint. */
export interface SyntheticEcgDataset extends Dataset {
  get(index: number): DataRecord;
  fingerprint(): string;
  describe(): string;
}

/** The ECG-night fields of a synthetic source (the HDF5 reader yields the same). */
export function syntheticEcgFields(source: SyntheticEcgSource): Record<string, FieldSpec> {
  return {
    ecg: {
      kind: 'signal',
      shape: [null, source.samplingRateHz * source.epochSeconds],
      dtype: 'float32',
      samplingRateHz: source.samplingRateHz,
    },
    additional: { kind: 'features', shape: [null, source.additionalFeatures], dtype: 'float32' },
    stages: { kind: 'label', shape: [null], dtype: 'int32' },
    weights: { kind: 'weight', shape: [null], dtype: 'float32' },
  };
}

/**
 * Opens a synthetic ECG dataset: `source.subjects` nights, record i being
 * subject i's night (id `subject-00i`, grouped by subject). Fields:
 * - `ecg` [epochs, samplingRateHz × epochSeconds]: the ECG in mV;
 * - `additional` [epochs, additionalFeatures]: the subject's demographics
 *   (age, sex, BMI, neck, blood pressure, AHI, then standard-normal
 *   covariates; as many as fit in additionalFeatures − 1), constant over
 *   the night, then hours since midnight at the epoch's start (lights off
 *   between 21:00 and 01:00, so negative before midnight);
 * - `stages` [epochs]: 0 W, 1 N1, 2 N2, 3 N3, 4 REM;
 * - `weights` [epochs]: 1, except 0 over a lead-off stretch (flat signal) that some nights have.
 *
 * Throws a `DataError` when `nightEpochs.min` exceeds `nightEpochs.max` or
 * `context.classes` does not name five stages.
 */
export function openSyntheticEcg(source: SyntheticEcgSource, context: DatasetContext): SyntheticEcgDataset {
  const origin = `synthetic ECG (seed ${source.seed}, ${source.subjects} subjects)`;
  const { min, max } = source.nightEpochs;
  if (min > max) {
    throw new DataError(
      `Expected data.source.nightEpochs.min ≤ max, but got min ${min} and max ${max}. Fix: swap the two values.`,
      { file: origin },
    );
  }
  if (context.classes.length > 0 && context.classes.length !== STAGE_NAMES.length) {
    throw new DataError(
      `Expected data.classes to name the ${STAGE_NAMES.length} sleep stages of a syntheticEcg source, ` +
        `but got ${JSON.stringify(context.classes)}. Fix: set data.classes to ${JSON.stringify(STAGE_NAMES)}.`,
      { file: origin, field: context.target },
    );
  }
  return {
    length: source.subjects,
    fields: syntheticEcgFields(source),
    origin,
    get(index: number): DataRecord {
      if (!Number.isInteger(index) || index < 0 || index >= source.subjects) {
        throw new DataError(`Expected a record index in [0, ${source.subjects}), but got ${index}.`, {
          file: origin,
          record: index,
        });
      }
      return generateNight(source, index);
    },
    groups: () => Array.from({ length: source.subjects }, (_, i) => subjectId(i)),
    fingerprint: () =>
      sha256(canonicalJson({ generator: 'syntheticEcg', version: SYNTHETIC_ECG_GENERATOR_VERSION, source })),
    describe: () =>
      `${source.subjects} synthetic ECG nights of ${min}–${max} ${source.epochSeconds}-s epochs ` +
      `at ${source.samplingRateHz} Hz with ${source.additionalFeatures} additional features (seed ${source.seed})`,
  };
}

/** The id (and group) of subject `index`. */
export function subjectId(index: number): string {
  return `subject-${String(index).padStart(3, '0')}`;
}

/** Subject `index`'s night, from the source seed and the index alone. */
export function generateNight(source: SyntheticEcgSource, index: number): DataRecord {
  const stream = (name: string) => new SeededRandom(deriveSeed(source.seed, 'syntheticEcg', index, name));
  const sampling = { samplingRateHz: source.samplingRateHz, epochSeconds: source.epochSeconds };
  const subject = drawSubject(stream('subject'), source.nightEpochs, source.additionalFeatures - 1);
  const epochs = subject.nightEpochs;
  const stages = generateHypnogram(stream('hypnogram'), subject, epochs, source.epochSeconds);

  const autonomicRng = stream('autonomics');
  const grid = generateAutonomics(autonomicRng, subject, stages, source.epochSeconds);
  const beats = generateBeats(autonomicRng, subject, grid, epochs * source.epochSeconds);
  const perEpoch = source.samplingRateHz * source.epochSeconds;
  const ecg = new Float32Array(epochs * perEpoch);
  renderBeats(ecg, beats, subject, source.samplingRateHz);
  addBaselineAndNoise(ecg, stream('noise'), grid, stages, subject, sampling);
  const artefactRng = stream('artefacts');
  addMotionArtefacts(ecg, artefactRng, stages, sampling);
  const weights = new Float32Array(epochs).fill(1);
  addLeadOff(ecg, weights, artefactRng, sampling);

  const width = source.additionalFeatures;
  const additional = new Float32Array(epochs * width);
  for (let epoch = 0; epoch < epochs; epoch++) {
    additional.set(subject.demographics, epoch * width);
    additional[epoch * width + width - 1] = subject.startHours + (epoch * source.epochSeconds) / 3600;
  }
  const id = subjectId(index);
  return {
    id,
    group: id,
    fields: {
      ecg: { shape: [epochs, perEpoch], data: ecg },
      additional: { shape: [epochs, width], data: additional },
      stages: { shape: [epochs], data: stages },
      weights: { shape: [epochs], data: weights },
    },
  };
}
