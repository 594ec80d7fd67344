/**
 * `epochal runs compare A B [...]`: what differs between runs' configs (by
 * JSON path), their metrics side by side, and their curves overlaid in one
 * HTML page.
 */
import { join } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import { folderName } from '../artifacts/run-folder.js';
import { learningCurve } from '../report/charts.js';
import { figure, metric, page, section, table } from '../report/html.js';
import { curvePoints } from '../report/run-report.js';
import { renderSvg } from '../report/svg.js';
import type { RunFolderSummary } from './folders.js';

/** One JSON path whose value differs between runs: the values in run order (undefined where a run lacks it). */
export interface ConfigDifference {
  path: string;
  values: unknown[];
}

/** Paths that only say where a run's own files are: they differ between any two runs and say nothing about them. */
const RUN_LOCAL_PATHS = new Set(['train.netParams', 'train.artifactRoot']);

/** Every leaf of the runs' resolved configs (`train.*`, `net.*`) whose value is not the same in all of them. */
export function configDifferences(runs: readonly Pick<RunFolderSummary, 'train' | 'net'>[]): ConfigDifference[] {
  const leaves = runs.map((run) => new Map([...flatten('train', run.train ?? {}), ...flatten('net', run.net ?? {})]));
  const paths = [...new Set(leaves.flatMap((leaf) => [...leaf.keys()]))].filter((path) => !RUN_LOCAL_PATHS.has(path)).sort();
  return paths
    .map((path) => ({ path, values: leaves.map((leaf) => leaf.get(path)) }))
    .filter(({ values }) => new Set(values.map((value) => JSON.stringify(value))).size > 1);
}

/** `prefix.a.b[2].c` → value, for every leaf (arrays of plain values count as one leaf). */
function flatten(prefix: string, value: unknown): [string, unknown][] {
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) return [[prefix, value]];
    return value.flatMap((item, i) => flatten(`${prefix}[${i}]`, item));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([key]) => key !== '$schema');
    return entries.length === 0 ? [[prefix, value]] : entries.flatMap(([key, item]) => flatten(`${prefix}.${key}`, item));
  }
  return [[prefix, value]];
}

/** The metrics table: one row per run. */
export function metricRows(runs: readonly RunFolderSummary[]): { header: string[]; rows: string[][] } {
  const header = ['run', 'epochs', 'best', 'exported', 'test loss', 'test accuracy', "test Cohen's kappa", 'test macro F1'];
  const rows = runs.map((run) => {
    const m = run.metrics;
    const best = m?.best ? `${m.best.monitor} ${metric(m.best.value)}${m.best.epoch !== undefined ? ` @ ${m.best.epoch}` : ''}` : '—';
    const exported = m?.exported ? `${m.exported.which} (epoch ${m.exported.epoch})` : m ? 'last' : 'not yet';
    const test = m?.test ?? undefined;
    return [run.id, String(m?.history.length ?? '—'), best, exported, metric(test?.loss), metric(test?.accuracy), metric(test?.cohenKappa), metric(test?.macroF1)];
  });
  return { header, rows };
}

/** Writes the comparison page to `<artifactRoot>/comparisons/` and returns its path. */
export async function writeComparison(artifactRoot: string, runs: readonly RunFolderSummary[]): Promise<string> {
  const path = join(artifactRoot, 'comparisons', `${runs.map((run) => folderName(run.id)).join('--').slice(0, 200)}.html`);
  await writeFileAtomically(path, await renderComparison(runs));
  return path;
}

/** The comparison as one self-contained HTML page. */
export async function renderComparison(runs: readonly RunFolderSummary[]): Promise<string> {
  const differences = configDifferences(runs);
  const diff = differences.length
    ? table(['JSON path', ...runs.map((run) => run.id)], differences.map(({ path, values }) => [path, ...values.map(show)]), 'data-table="config-diff"')
    : '<p>The resolved configs are identical.</p>';
  const { header, rows } = metricRows(runs);
  const charts = await overlaidCurves(runs);
  const body = [section('Config differences', diff, 'config'), section('Metrics', table(header, rows, 'data-table="metrics"'), 'metrics'), section('Curves', charts, 'curves')].join('\n');
  return page(`Comparing ${runs.length} runs`, runs.map((run) => run.id).join(' · '), body);
}

/** Each metric's validation curve (and the training loss) of every run on one chart, a series per run. */
async function overlaidCurves(runs: readonly RunFolderSummary[]): Promise<string> {
  const byTitle = new Map<string, { epoch: number; value: number; series: string }[]>();
  for (const run of runs) {
    for (const { title, points } of curvePoints(run.metrics?.history ?? [])) {
      for (const point of points) {
        const chart = point.series === 'train' ? (title === 'loss' ? 'training loss' : undefined) : `validation ${title}`;
        if (chart) byTitle.set(chart, [...(byTitle.get(chart) ?? []), { ...point, series: run.id }]);
      }
    }
  }
  if (byTitle.size === 0) return '<p class="note">None of these runs has finished an epoch.</p>';
  const figures = await Promise.all([...byTitle].map(async ([title, points]) => figure(title, await renderSvg(learningCurve(title, points)))));
  return `<div class="charts">${figures.join('')}</div>`;
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

