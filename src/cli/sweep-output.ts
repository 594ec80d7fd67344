/**
 * A sweep on the terminal: one line each time a trial starts or ends while
 * `epochal sweep --wait` follows it, the results table at the end, and the
 * fields `epochal status` shows for a sweep.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { sweepProgressQuery, type SweepProgress } from '../../workflows/definitions.js';
import type { sweepPipeline, SweepResult } from '../../workflows/sweep-pipeline.js';
import type { TrialRow } from '../../workflows/sweep-state.js';
import { shortNames } from '../sweep/json-path.js';
import { pollUntilSettled } from './progress.js';
import { print } from './shared.js';
import { TRIAL_STATUS_TEXT } from '../sweep/status-text.js';

type Field = [string, string];


/** Waits for the sweep's result, printing each trial as it starts and ends. */
export async function followSweep(handle: WorkflowHandle<typeof sweepPipeline>, options: { intervalMs?: number } = {}): Promise<SweepResult> {
  const seen = new Map<number, TrialRow['status']>();
  return pollUntilSettled(handle.result(), options.intervalMs ?? 2000, async () => {
    const progress = await handle.query(sweepProgressQuery).catch(() => undefined);
    for (const row of progress?.trials ?? []) {
      if (seen.get(row.trial) === row.status || row.status === 'pending') continue;
      seen.set(row.trial, row.status);
      print.info(`  trial ${row.trial} (${row.label}): ${trialOutcome(row, progress!.metric ?? 'metric')}`);
    }
  });
}

/** How a trial stands or ended, in a few words: `completed, val_loss 0.4123 (epoch 4)`. */
export function trialOutcome(row: TrialRow, metric: string): string {
  const score = row.exported?.value !== undefined ? `, ${metric} ${row.exported.value.toFixed(4)} (epoch ${row.exported.epoch})` : '';
  const epochs = row.status === 'stopped-early' ? ` after ${row.epochs} epoch${row.epochs === 1 ? '' : 's'}` : '';
  const reason = row.reason && row.status !== 'completed' ? `: ${row.reason}` : '';
  return `${TRIAL_STATUS_TEXT[row.status]}${epochs}${score}${reason}`;
}

/** The results table as text columns, best trial marked ★. */
export function resultsTable(rows: readonly TrialRow[], metric: string, best?: number): string[] {
  const paths = Object.keys(rows[0]?.params ?? {});
  const short = shortNames(paths);
  const names = paths.map((path) => short[path]!);
  const header = ['trial', ...names, 'status', 'epochs', `best ${metric}`, `exported ${metric}`];
  const cells = rows.map((row) => [
    `${row.trial}${row.trial === best ? ' ★' : ''}`,
    ...paths.map((path) => JSON.stringify(row.params[path])),
    TRIAL_STATUS_TEXT[row.status],
    String(row.epochs),
    row.best ? `${row.best.value.toFixed(4)} (${row.best.epoch})` : '—',
    row.exported?.value !== undefined ? `${row.exported.value.toFixed(4)} (${row.exported.epoch})` : '—',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  return [header, ...cells].map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
}

/** Prints a finished sweep: the table, the best trial and where its results are. */
export function printSweepResult(result: SweepResult): void {
  print.ok(`Sweep ${result.sweepId} finished${result.stopped ? ' (stopped)' : ''}: ${counts(result.trials)}`);
  for (const line of resultsTable(result.trials, result.metric, result.best?.trial)) print.info(line);
  if (result.best) {
    print.field('best', `trial ${result.best.trial} (${result.best.label}): ${result.metric} ${result.best.value.toFixed(4)} at epoch ${result.best.epoch}`);
    print.field('model', result.best.model);
  } else {
    print.warn(`No trial exported a model with a value of ${result.metric}.`);
  }
  print.field('results', result.results);
  if (result.report) print.field('report', result.report);
}

/** What `epochal status` shows of a sweep. */
export function sweepFields(workflowId: string, progress: SweepProgress): Field[] {
  if (progress.trials.length === 0) return [];
  const fields: Field[] = [['trials', `${counts(progress.trials)}${progress.parallelism ? ` (${progress.parallelism} at a time)` : ''}`]];
  const metric = progress.metric ?? 'metric';
  if (progress.best) fields.push(['best', `trial ${progress.best.trial} (${progress.best.label}): ${metric} ${progress.best.value.toFixed(4)} at epoch ${progress.best.epoch}`]);
  for (const row of progress.trials) fields.push([`trial ${row.trial}`, `${trialOutcome(row, metric)} · ${row.label}`]);
  fields.push(['list', `temporal workflow list --query "EpochalSweep='${workflowId}'"`]);
  if (progress.stopRequested && progress.phase !== 'done') fields.push(['stopping', 'no new trials; the running ones stop at the end of their chunk']);
  return fields;
}

function counts(rows: readonly TrialRow[]): string {
  const by = new Map<string, number>();
  for (const row of rows) by.set(TRIAL_STATUS_TEXT[row.status], (by.get(TRIAL_STATUS_TEXT[row.status]) ?? 0) + 1);
  return `${rows.length} trials: ${[...by].map(([status, count]) => `${count} ${status}`).join(', ')}`;
}
