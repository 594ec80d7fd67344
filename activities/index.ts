/**
 * Every Epochal activity, one module per pipeline stage. Activities are thin:
 * they parse their input, call `src/`, and return references (paths + hashes);
 * Epochal errors become non-retryable Temporal failures in `mapFailures`.
 */
import { mapFailures } from '../src/temporal/failures.js';
import { buildModelActivity } from './build-model.js';
import type { ActivityDeps } from './deps.js';
import { evaluateActivity } from './evaluate.js';
import { exportModelActivity } from './export-model.js';
import {
  finishInferenceActivity,
  finishInferenceMirroring,
  inferShardActivity,
  inferShardMirroring,
  planInferenceActivity,
  prepareInferenceActivity,
  prepareInferenceMirroring,
} from './infer.js';
import { mirrored } from './mirrored.js';
import { prepareDataActivity } from './prepare-data.js';
import { writeRunReportActivity } from './report.js';
import { evaluateChampionActivity, recordPromotionActivity, retrainingPlanActivity } from './retraining.js';
import { finishSweepActivity, observeTrialsActivity, planSweepActivity } from './sweep.js';
import { trainChunkActivity } from './train-chunk.js';
import { validateConfigActivity } from './validate-config.js';

export type { ActivityDeps } from './deps.js';
export type { ValidateConfigInput, ValidatedConfig } from './validate-config.js';
export type { BuiltModel } from './build-model.js';
export type { PreparedRef } from './prepare-data.js';
export type { BestCheckpoint, ChunkInputs, ChunkResult, EarlyStoppingState, EpochRecord, TrainChunkInput, TrainingHeartbeat } from './train-chunk.js';
export type { Evaluation, SplitEvaluation } from './evaluate.js';
export type { ExportResult } from './export-model.js';
export type { RunReportInput } from './report.js';
export type { ChampionEntry, EvaluateChampionInput, PromotionDecision, RetrainingPlan } from './retraining.js';
export type { PlannedTrial, PlanSweepInput, SweepPlan, TrialObservation } from './sweep.js';
export type { FinishInferenceInput, InferencePlan, InferenceInput, InferShardInput, JobInput, ListedInferenceInput, ShardOutput } from './infer.js';

/** The activities a worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { mirror } = deps;
  const configs = { configInput: true } as const;
  return {
    validateConfig: mapFailures(mirrored(mirror, validateConfigActivity(deps), configs)),
    prepareData: mapFailures(mirrored(mirror, prepareDataActivity(deps))),
    buildModel: mapFailures(mirrored(mirror, buildModelActivity(deps))),
    trainChunk: mapFailures(mirrored(mirror, trainChunkActivity(deps))),
    evaluate: mapFailures(mirrored(mirror, evaluateActivity())),
    exportModel: mapFailures(mirrored(mirror, exportModelActivity())),
    writeRunReport: mapFailures(mirrored(mirror, writeRunReportActivity())),
    planInference: mapFailures(mirrored(mirror, planInferenceActivity(deps), configs)),
    prepareInference: mapFailures(mirrored(mirror, prepareInferenceActivity(deps), prepareInferenceMirroring)),
    inferShard: mapFailures(mirrored(mirror, inferShardActivity(), inferShardMirroring)),
    finishInference: mapFailures(mirrored(mirror, finishInferenceActivity(), finishInferenceMirroring)),
    retrainingPlan: mapFailures(retrainingPlanActivity(deps)),
    evaluateChampion: mapFailures(mirrored(mirror, evaluateChampionActivity())),
    recordPromotion: mapFailures(recordPromotionActivity()),
    planSweep: mapFailures(planSweepActivity(deps)),
    observeTrials: mapFailures(observeTrialsActivity()),
    finishSweep: mapFailures(finishSweepActivity()),
  };
}

/** The activity interface workflows proxy. */
export type EpochalActivities = ReturnType<typeof createActivities>;
