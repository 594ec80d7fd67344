/**
 * The retraining stages around a training run: `retrainingPlan` reads the
 * experiment's promotion gate and current champion; `evaluateChampion`
 * (training task queue) scores the champion on the challenger's holdout in
 * the training process; `recordPromotion` writes the decision to the
 * champion registry (idempotent per decision).
 */
import { loadTrainConfig, type ConfigInput } from '../src/config/load.js';
import type { Promotion } from '../src/config/train/promotion.js';
import { bestEffort } from '../src/report/best-effort.js';
import { writeDecisionReport } from '../src/report/decision-report.js';
import { readChampion, recordDecision, type ChampionEntry, type PromotionDecision } from '../src/registry/champion.js';
import { verifyModel, type ModelManifest } from '../src/registry/model-digest.js';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataError } from '../src/errors.js';
import type { SplitEvaluation } from '../src/train/evaluate.js';
import type { Holdout } from '../src/train/evaluate-checkpoint.js';
import { trainingStallLimit } from '../src/pipeline/stall-limits.js';
import { evaluateModelInProcess } from '../src/train/process.js';
import type { ActivityDeps } from './deps.js';
import { withLiveness } from './liveness.js';
import { progressDetails } from './progress.js';

export type { ChampionEntry, PromotionDecision } from '../src/registry/champion.js';

export interface RetrainingPlan {
  experiment: string;
  artifactRoot: string;
  gate: Promotion;
  /** Where training (and the champion's evaluation) runs. */
  trainingTaskQueue: string;
  heartbeatTimeoutSeconds: number;
  /** The registry file (for people). */
  registry: string;
  /** Whether the experiment may go into search attributes (false when payloads are encrypted). */
  searchable?: boolean;
  champion?: ChampionEntry;
}

export function retrainingPlanActivity(deps: ActivityDeps) {
  return async function retrainingPlan(input: { trainParams: ConfigInput }): Promise<RetrainingPlan> {
    const { train } = await loadTrainConfig(input.trainParams, { cwd: deps.cwd, roots: deps.roots });
    const artifactRoot = train.artifactRoot ?? deps.artifactRoot;
    const record = await readChampion(artifactRoot, train.experiment);
    if (record.current?.manifest) await verifyModel(record.current.model, record.current.manifest, `champion of ${train.experiment}`); // before warm-starting from it
    const { taskQueue, heartbeatTimeoutSeconds } = train.training;
    return {
      experiment: train.experiment,
      artifactRoot,
      gate: train.promotion,
      trainingTaskQueue: taskQueue,
      heartbeatTimeoutSeconds,
      registry: record.file,
      searchable: !deps.encrypted,
      ...(record.current ? { champion: record.current } : {}),
    };
  };
}

export interface EvaluateChampionInput {
  /** The challenger run's snapshotted train_params.json. */
  trainParams: string;
  /** The challenger run's prepared data: its test split is the shared holdout. */
  preparedDir: string;
  /** The champion's model folder. */
  model: string;
  /** Its files as promoted: checked before it is scored. */
  manifest?: ModelManifest;
  /** The challenger's exported model folder: judged beside the champion on the same records. */
  challengerModel?: string;
}

/** Champion and challenger scored on the same records of the challenger's test split: the groups neither trained on. */
export interface ChampionJudgement {
  champion: SplitEvaluation;
  challenger: SplitEvaluation;
  holdout: Holdout & {
    /** Whether the champion's run recorded the groups it learned from (models exported before it did, or promoted by hand, did not). */
    championGroups: 'known' | 'unknown';
  };
}

export function evaluateChampionActivity() {
  return async function evaluateChampion(input: EvaluateChampionInput): Promise<ChampionJudgement | SplitEvaluation | undefined> {
    const { manifest, challengerModel, ...request } = input;
    if (manifest) await verifyModel(input.model, manifest, 'champion');
    const stall = await trainingStallLimit(input.trainParams);
    const judge = (model: string, excludeGroups?: string[]) => {
      const { onProgress, details } = progressDetails({ model });
      return withLiveness(() => evaluateModelInProcess({ ...request, model, split: 'test', ...(excludeGroups ? { excludeGroups } : {}) }, { stall, onProgress }), details);
    };
    // Histories recorded before judgements had a challenger model scored the champion alone.
    if (!challengerModel) return judge(input.model);
    const learned = await groupsLearnedBy(input.model);
    const excludeGroups = learned ?? [];
    const champion = await judge(input.model, excludeGroups);
    const challenger = await judge(challengerModel, excludeGroups);
    if (!champion || !challenger) {
      throw new DataError(
        `Every test subject of ${input.preparedDir} is one the champion (${input.model}) trained or was validated on, so the two models cannot be compared fairly. ` +
          'Fix: add subjects the champion has not seen, or promote by hand with `epochal champion promote`.',
        { file: input.preparedDir },
      );
    }
    const { holdout = { groups: 0, records: 0, leftOut: 0 }, ...championScores } = champion;
    const { holdout: _, ...challengerScores } = challenger;
    return { champion: championScores, challenger: challengerScores, holdout: { ...holdout, championGroups: learned ? 'known' : 'unknown' } };
  };
}

/** The groups a model's run trained and validated on, from the run manifest beside its model folder; undefined when not recorded. */
async function groupsLearnedBy(model: string): Promise<string[] | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dirname(model), 'manifest.json'), 'utf8')) as { data?: { groups?: { train: string[]; validation: string[] } } };
    const groups = manifest.data?.groups;
    return groups && [...groups.train, ...groups.validation];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function recordPromotionActivity() {
  return async function recordPromotion(input: {
    artifactRoot: string;
    experiment: string;
    decision: PromotionDecision;
    /** The gate the decision applied, for its report. */
    gate?: Promotion;
  }): Promise<{ file: string; champion?: ChampionEntry; decisions: number; stale?: PromotionDecision['stale']; report?: string }> {
    const { challenger } = input.decision;
    if (input.decision.promoted && challenger.manifest) await verifyModel(challenger.model, challenger.manifest, `challenger of run ${challenger.run}`);
    const record = await recordDecision(input.artifactRoot, input.experiment, input.decision);
    const recorded = record.history.find((decision) => decision.id === input.decision.id);
    const report = await bestEffort('The decision report', () => writeDecisionReport(dirname(challenger.model), input.experiment, recorded ?? input.decision, input.gate));
    return {
      file: record.file,
      ...(record.current ? { champion: record.current } : {}),
      decisions: record.history.length,
      ...(recorded?.stale ? { stale: recorded.stale } : {}),
      ...(report ? { report } : {}),
    };
  };
}
