/** The `promotion` section of train_params: when a retrained model replaces the experiment's champion. */
import { z } from 'zod';

/** Metrics of the test split a promotion can be judged on; loss is better when lower, the others when higher. */
export const PromotionMetric = z.enum(['cohenKappa', 'accuracy', 'macroF1', 'loss']);
export type PromotionMetric = z.infer<typeof PromotionMetric>;

export const Promotion = z
  .strictObject({
    metric: PromotionMetric.default('cohenKappa').describe('Compared between challenger and champion on the same holdout (the test split).'),
    margin: z
      .number()
      .min(0)
      .default(0)
      .describe('How much better the challenger must be (absolute difference in the metric) to replace the champion.'),
  })
  .describe('The promotion gate of retrainingPipeline.');
export type Promotion = z.infer<typeof Promotion>;
