/**
 * `writeRunReport` (orchestration task queue): refreshes the run's
 * `reports/report.html` and TensorBoard scalars after each training chunk. A
 * report is a view of the run, never a reason to stop it: a failure to write
 * one is logged and returned, not thrown.
 */
import { log } from '@temporalio/activity';
import { ownedRunFolder, type RunOwner } from '../src/artifacts/run-owner.js';
import { bestEffort } from '../src/report/best-effort.js';
import { writeRunReport as writeReport, type RunFacts } from '../src/report/run-report.js';

export interface RunReportInput extends RunFacts {
  artifactRoot: string;
  owner?: RunOwner;
}

export function writeRunReportActivity() {
  return async function writeRunReport(input: RunReportInput): Promise<{ written: boolean; error?: string }> {
    const folder = await ownedRunFolder(input);
    let error: string | undefined;
    const written = await bestEffort(`The report of run ${input.runId}`, () => writeReport(folder.root, input), (message) => {
      error = message;
      log.warn(message);
    });
    return { written: written !== undefined, ...(error ? { error } : {}) };
  };
}
