/**
 * `writeRunReport` (orchestration task queue): refreshes the run's
 * `reports/report.html` and TensorBoard scalars after each training chunk,
 * from the chunk's epochs and those recorded before (see `epoch-history.ts`). A
 * report is a view of the run, never a reason to stop it: a failure to write
 * one is logged and returned, not thrown.
 */
import { log } from '@temporalio/activity';
import { ownedRunFolder, type RunOwner } from '../src/artifacts/run-owner.js';
import { bestEffort } from '../src/report/best-effort.js';
import { extendEpochHistory } from '../src/report/epoch-history.js';
import type { EpochRecord } from '../src/train/chunk.js';
import { writeRunReport as writeReport, type RunFacts } from '../src/report/run-report.js';

export interface RunReportInput extends Omit<RunFacts, 'history'> {
  artifactRoot: string;
  owner?: RunOwner;
  /** The epochs the last chunk trained (those after epoch `after`); earlier ones are in `reports/history.json`. */
  newEpochs: { after: number; records: EpochRecord[] };
}

export function writeRunReportActivity() {
  return async function writeRunReport(input: RunReportInput): Promise<{ written: boolean; error?: string }> {
    const folder = await ownedRunFolder(input);
    let error: string | undefined;
    const { newEpochs, ...facts } = input;
    const refresh = async () => writeReport(folder.root, { ...facts, history: await extendEpochHistory(folder.reports, newEpochs.after, newEpochs.records) });
    const written = await bestEffort(`The report of run ${input.runId}`, refresh, (message) => {
      error = message;
      log.warn(message);
    });
    return { written: written !== undefined, ...(error ? { error } : {}) };
  };
}
