/**
 * Epochal's custom search attributes: what makes runs findable in the Temporal
 * UI and with `temporal workflow list --query`. The dev server registers them
 * at start (`src/temporal/dev-server.ts`); on another cluster register them once
 * with `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The experiment a run belongs to (train_params `experiment`). */
export const EXPERIMENT = defineSearchAttributeKey('EpochalExperiment', SearchAttributeType.KEYWORD);
/** The network's name (net_params `name`). */
export const MODEL = defineSearchAttributeKey('EpochalModel', SearchAttributeType.KEYWORD);
/** The pipeline stage running now, or the last one reached. */
export const STAGE = defineSearchAttributeKey('EpochalStage', SearchAttributeType.KEYWORD);
/** The best value so far of the monitored metric. */
export const BEST_METRIC = defineSearchAttributeKey('EpochalBestMetric', SearchAttributeType.DOUBLE);

/** The sweep a trial belongs to (the sweep's workflow id): `EpochalSweep = '<id>'` lists its trials. */
export const SWEEP = defineSearchAttributeKey('EpochalSweep', SearchAttributeType.KEYWORD);

/** Every Epochal search attribute, for registering them with a server. */
export const EPOCHAL_SEARCH_ATTRIBUTES = [EXPERIMENT, MODEL, STAGE, BEST_METRIC, SWEEP] as const;
