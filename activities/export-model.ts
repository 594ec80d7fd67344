/** Stage 6, `exportModel`: the final model folder, metrics.json and the run manifest. */
import { Context } from '@temporalio/activity';
import { exportRun, type ExportInput, type ExportResult } from '../src/pipeline/export.js';

export type { ExportResult } from '../src/pipeline/export.js';

export function exportModelActivity() {
  return async function exportModel(input: Omit<ExportInput, 'workflow'>): Promise<ExportResult> {
    const { workflowId, runId } = Context.current().info.workflowExecution ?? { workflowId: input.runId, runId: 'standalone' };
    return exportRun({ ...input, workflow: { workflowId, runId } });
  };
}
