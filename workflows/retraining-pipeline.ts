/**
 * `retrainingPipeline`: keep an experiment's model up to date without a
 * person deciding. Fine-tune the current champion (warm start; freeze and
 * unfreeze settings from train_params) on the latest data with a child
 * `trainingPipeline` (data is re-prepared only when its fingerprint changed),
 * score the champion on the challenger's holdout, and promote the challenger
 * only when it beats the champion by the configured margin on the configured
 * metric. The first run of an experiment trains from scratch and promotes.
 * Every decision, promoted or not, is recorded in the champion registry with
 * its reason.
 */
import { ApplicationFailure, executeChild, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SplitEvaluation } from '../activities/index.js';
import { promotionVerdict } from './promotion-gate.js';
import type { ChampionEntry, PromotionDecision } from '../src/registry/champion.js';
import { activities, surfaceUserErrors, trainingActivities } from './activities.js';
import { checkRetrainingInput, fileSafeRunId } from './inputs.js';
import { EXPERIMENT, STAGE } from './search-attributes.js';
import type { trainingPipeline } from './training-pipeline.js';

export interface RetrainingInput {
  /** Path to train_params.json (on the worker) or the config object. */
  trainParams: string | Record<string, unknown>;
  /** Train on this task queue instead of train_params' `training.taskQueue`. */
  trainingTaskQueue?: string;
}

export interface RetrainingResult {
  experiment: string;
  promoted: boolean;
  reason: string;
  challenger: PromotionDecision['challenger'];
  champion?: PromotionDecision['champion'];
  /** Set when another promotion landed between judging and recording: this decision changed nothing. */
  stale?: PromotionDecision['stale'];
  /** The champion after this run. */
  current?: ChampionEntry;
  registry: string;
}

const metricsOf = (evaluation: SplitEvaluation): Record<string, number> => ({
  loss: evaluation.loss,
  accuracy: evaluation.accuracy,
  cohenKappa: evaluation.cohenKappa,
  macroF1: evaluation.macroF1,
});

/** Marks histories in which champion and challenger are judged together on the test subjects neither trained on. */
const FRESH_HOLDOUT_PATCH = 'epochal-fresh-holdout';

export async function retrainingPipeline(input: RetrainingInput): Promise<RetrainingResult> {
  checkRetrainingInput(input);
  const { workflowId, runId } = workflowInfo();
  const plan = await surfaceUserErrors(activities.retrainingPlan({ trainParams: input.trainParams }));
  const queue = input.trainingTaskQueue ?? plan.trainingTaskQueue;
  upsertSearchAttributes([
    ...(plan.searchable !== false ? [{ key: EXPERIMENT, value: plan.experiment }] : []),
    { key: STAGE, value: 'training' },
  ]);

  const trained = await surfaceUserErrors(
    executeChild<typeof trainingPipeline>('trainingPipeline', {
      workflowId: `${workflowId}-train`,
      args: [{ trainParams: input.trainParams, runId: fileSafeRunId(`${workflowId}-train`), trainingTaskQueue: queue, ...(plan.champion ? { warmStart: plan.champion.model } : {}) }],
    }),
  );
  const test = trained.evaluation.test;
  if (!test) {
    throw ApplicationFailure.nonRetryable(
      `Run ${trained.runId} has an empty test split, so there is no holdout to judge it on. Fix: give data.split.test a share of the subjects.`,
      'InvalidConfig',
    );
  }
  const challenger = {
    model: trained.exported.model.path.replace(/[\\/]model\.json$/, ''),
    run: trained.runId,
    metrics: metricsOf(test),
    manifest: trained.exported.modelManifest,
  };

  let champion: PromotionDecision['champion'];
  let judgedOn = '';
  if (plan.champion) {
    upsertSearchAttributes([{ key: STAGE, value: 'judging' }]);
    const scored = await surfaceUserErrors(
      trainingActivities(queue, plan.heartbeatTimeoutSeconds).evaluateChampion({
        trainParams: `${trained.runDir}/config/train_params.json`,
        preparedDir: trained.data.dir,
        model: plan.champion.model,
        ...(plan.champion.manifest ? { manifest: plan.champion.manifest } : {}),
        ...(patched(FRESH_HOLDOUT_PATCH) ? { challengerModel: challenger.model } : {}),
      }),
    );
    // Both models on the test subjects neither trained on (histories from before this scored the champion alone).
    const judged = scored && 'holdout' in scored ? scored : undefined;
    if (judged) {
      challenger.metrics = metricsOf(judged.challenger);
      const { groups, records, leftOut, championGroups } = judged.holdout;
      judgedOn =
        championGroups === 'known'
          ? ` Both were scored on the ${groups} test subjects (${records} records) neither trained on${leftOut > 0 ? `; ${leftOut} the champion trained or was validated on were left out` : ''}.`
          : ` Both were scored on all ${groups} test subjects (${records} records): the champion's run did not record which subjects it trained on.`;
    }
    const championScores = judged ? judged.champion : (scored as SplitEvaluation);
    champion = { model: plan.champion.model, run: plan.champion.run, metrics: metricsOf(championScores), ...(plan.champion.manifest ? { manifest: plan.champion.manifest } : {}) };
  }

  const gate = promotionVerdict(plan.gate, challenger.metrics[plan.gate.metric]!, champion?.metrics[plan.gate.metric]);
  const verdict = judgedOn ? { ...gate, reason: `${gate.reason}.${judgedOn}` } : gate;
  const decision: PromotionDecision = {
    id: `${workflowId}/${runId}`,
    at: new Date().toISOString(),
    by: `retrainingPipeline ${workflowId}`,
    promoted: verdict.promoted,
    challenger,
    ...(champion ? { champion } : {}),
    reason: verdict.reason,
  };
  const recorded = await surfaceUserErrors(activities.recordPromotion({ artifactRoot: plan.artifactRoot, experiment: plan.experiment, decision, gate: plan.gate }));
  const promoted = verdict.promoted && !recorded.stale;
  upsertSearchAttributes([{ key: STAGE, value: recorded.stale ? 'stale' : promoted ? 'promoted' : 'kept' }]);
  return {
    experiment: plan.experiment,
    promoted,
    reason: recorded.stale
      ? `${verdict.reason} But ${recorded.stale.current?.model ?? 'another model'} was promoted while this run was judged, so the decision is stale and changed nothing.`
      : verdict.reason,
    ...(recorded.stale ? { stale: recorded.stale } : {}),
    challenger,
    ...(champion ? { champion } : {}),
    ...(recorded.champion ? { current: recorded.champion } : {}),
    registry: recorded.file,
  };
}
