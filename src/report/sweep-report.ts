/**
 * A sweep's `report.html` and `results.json`: every trial with its values,
 * how it ended and what it scored, the best trial, and the sweep metric per
 * epoch of every trial on one chart (trials stopped early end early).
 */
import { join, relative } from 'node:path';
import { writeFileAtomically, writeJsonAtomically } from '../artifacts/atomic.js';
import { describeValue } from '../config/issues.js';
import type { BestTrial, TrialRow } from '../../workflows/sweep-state.js';
import { bestEffort } from './best-effort.js';
import { learningCurve, type CurvePoint } from './charts.js';
import { escapeHtml, figure, metric, page, section, table } from './html.js';
import { renderSvg } from './svg.js';
import { TRIAL_STATUS_TEXT } from '../sweep/status-text.js';

/** What the sweep's results say. */
export interface SweepFacts {
  sweepId: string;
  experiment: string;
  metric: string;
  mode: 'min' | 'max';
  /** Swept path → its short name. */
  names: Record<string, string>;
  rows: TrialRow[];
  best?: BestTrial;
  /** Each trial's metric per epoch, by trial number. */
  curves: Record<number, (number | null)[]>;
  /** Set when a stop signal ended the sweep before every trial ran. */
  stopped?: boolean;
}


/** Writes `results.json` and then, best effort (a report never fails a sweep), `report.html` into the sweep folder; returns their paths. */
export async function writeSweepResults(folder: string, facts: SweepFacts): Promise<{ results: string; report?: string }> {
  const results = join(folder, 'results.json');
  const { curves: _curves, ...summary } = facts;
  await writeJsonAtomically(results, summary);
  const report = await bestEffort('The sweep report', async () => {
    const path = join(folder, 'report.html');
    await writeFileAtomically(path, await renderSweepReport(facts, folder));
    return path;
  });
  return { results, ...(report ? { report } : {}) };
}

/** The sweep as one self-contained HTML page. */
export async function renderSweepReport(facts: SweepFacts, folder: string): Promise<string> {
  const counts = Object.entries(countBy(facts.rows.map((row) => TRIAL_STATUS_TEXT[row.status])))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const better = facts.mode === 'min' ? 'lower' : 'higher';
  const best = facts.best
    ? `<p data-best="${facts.best.trial}">Best: <strong>trial ${facts.best.trial}</strong> (${escapeHtml(facts.best.label)}), ${escapeHtml(facts.metric)} ${metric(facts.best.value)} at epoch ${facts.best.epoch}; model <code>${escapeHtml(relative(folder, facts.best.model))}</code>.</p>`
    : '<p class="note">No trial exported a model with a value of the metric.</p>';
  const body = [
    section('Best trial', `${best}<p class="note">Trials are ranked by ${escapeHtml(facts.metric)} (${better} is better) of the model each exported.</p>`, 'best'),
    section('Trials', trialsTable(facts), 'trials'),
    section(`${facts.metric} per epoch`, figure('curves', await renderSvg(learningCurve(facts.metric, curvePoints(facts.curves)))), 'curves'),
  ].join('\n');
  return page(`${facts.experiment} · sweep ${facts.sweepId}`, `${facts.rows.length} trials: ${counts}${facts.stopped ? ' (the sweep was stopped)' : ''}. Written ${new Date().toISOString()}.`, body);
}

function trialsTable(facts: SweepFacts): string {
  const paths = Object.keys(facts.names);
  const header = ['trial', ...paths.map((path) => facts.names[path]!), 'status', 'epochs', `best ${facts.metric} (epoch)`, `exported ${facts.metric} (epoch)`, 'note'];
  const rows = facts.rows.map((row) => [
    row.trial === facts.best?.trial ? `${row.trial} ★` : row.trial,
    ...paths.map((path) => describeValue(row.params[path])),
    TRIAL_STATUS_TEXT[row.status],
    row.epochs,
    row.best ? `${metric(row.best.value)} (${row.best.epoch})` : '—',
    row.exported ? `${metric(row.exported.value)} (${row.exported.epoch})` : '—',
    row.reason ?? '',
  ]);
  return table(header, rows, 'data-table="trials"');
}

function curvePoints(curves: SweepFacts['curves']): CurvePoint[] {
  return Object.entries(curves).flatMap(([trial, curve]) =>
    curve.flatMap((value, i) => (value === null ? [] : [{ epoch: i + 1, value, series: `trial ${trial}` }])),
  );
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
