/**
 * `report.html` of a batch inference job, in its output folder: rows and
 * shards written, the model used, and how the predictions spread over the classes.
 */
import { join } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import type { ShardOutput } from '../infer/score.js';
import { countBars } from './charts.js';
import { formatDuration } from '../duration.js';
import { escapeHtml, figure, page, section, table } from './html.js';
import { renderSvg } from './svg.js';

export interface InferenceFacts {
  jobId: string;
  model: { path: string; digest: string; requested: string };
  classes: readonly string[];
  outputs: readonly ShardOutput[];
  format: string;
  seconds: Record<string, number>;
}

/** Writes `report.html` into the job's output folder and returns its path. */
export async function writeInferenceReport(outputDir: string, facts: InferenceFacts): Promise<string> {
  const path = join(outputDir, 'report.html');
  await writeFileAtomically(path, await renderInferenceReport(facts));
  return path;
}

/** Rows predicted per class over every shard; undefined when a shard did not count them. */
export function predictedPerClass(outputs: readonly ShardOutput[], classes: number): number[] | undefined {
  if (outputs.some((output) => !output.predicted)) return undefined;
  return outputs.reduce((sum, output) => sum.map((n, c) => n + output.predicted![c]!), new Array<number>(classes).fill(0));
}

export async function renderInferenceReport(facts: InferenceFacts): Promise<string> {
  const rows = facts.outputs.reduce((n, o) => n + o.rows, 0);
  const counts = predictedPerClass(facts.outputs, facts.classes.length);
  const distribution = counts
    ? figure('predictions', await renderSvg(countBars('Rows by predicted class', facts.classes.map((label, c) => ({ label, count: counts[c]! })))))
    : '<p class="note">Some shards were written before predictions were counted.</p>';
  const shards = table(
    ['shard', 'rows', 'time', 'file'],
    facts.outputs.map((o) => [o.shard, o.rows, o.reused ? 'reused' : formatDuration(o.seconds, { tenths: true }), o.file]),
    'data-table="shards"',
  );
  const summary = `<p>${rows.toLocaleString('en')} rows in ${facts.outputs.length} shards (${escapeHtml(facts.format)}), scored by <code>${escapeHtml(facts.model.path)}</code> (${escapeHtml(facts.model.requested)}, digest <code>${escapeHtml(facts.model.digest)}</code>).</p>`;
  const timings = table(['stage', 'time'], Object.entries(facts.seconds).map(([stage, s]) => [stage, formatDuration(s, { tenths: true })]));
  const body = [section('Predictions', summary + distribution, 'predictions'), section('Shards', shards, 'shards'), section('Timings', timings, 'timings')].join('\n');
  return page(`Batch inference · ${facts.jobId}`, `${rows.toLocaleString('en')} rows`, body);
}
