/** How a trial's status reads to a person, the same in `epochal sweep`/`status` and in the sweep's report. */
import type { TrialRow } from '../../workflows/sweep-state.js';

export const TRIAL_STATUS_TEXT: Record<TrialRow['status'], string> = {
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  'stopped-early': 'stopped early',
  failed: 'failed',
  skipped: 'skipped',
};
