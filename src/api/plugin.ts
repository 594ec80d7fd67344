/** `epochal/plugin`: Epochal in your own Temporal workers (see `temporal/plugin.ts` and README, "Use Epochal in your own workers"). */
export { EpochalPlugin, epochalPlugin, type EpochalPluginOptions, type EpochalPluginSettings } from '../temporal/plugin.js';
export { epochalClientPlugin } from '../temporal/client-plugin.js';
export { createEpochalWorkers, type EpochalWorkerOptions, type EpochalWorkers } from '../temporal/worker.js';
export { TRAINING_TASK_QUEUE, WORKFLOWS_PATH } from '../temporal/worker-defaults.js';
export { ORCHESTRATION_TASK_QUEUE } from '../temporal/connection.js';
export { DEFAULT_DEPLOYMENT_NAME, PROMOTION_POLICIES, defaultBuildId, type DeploymentOptions, type PromotionPolicy } from '../temporal/deployment.js';
export { FAILURE_CONVERTER_PATH } from '../temporal/codec/data-converter.js';
