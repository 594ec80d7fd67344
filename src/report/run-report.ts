/**
 * `reports/report.html`: one training run on one page — learning curves with
 * the best epoch, learning-rate changes and unfreeze steps marked, the test
 * confusion matrix and per-class scores, the run's lineage (configs and their
 * hashes, data fingerprint, the weights it started from), timings and
 * backend. Written after every chunk while the run trains, and at export.
 */
import { join, relative } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import type { ActiveBackend } from '../backend/names.js';
import { readFile } from 'node:fs/promises';
import type { ConfigSnapshot } from '../pipeline/config-snapshot.js';
import type { EpochRecord } from '../train/chunk.js';
import type { SplitEvaluation } from '../train/evaluate.js';
import { confusionHeatMap, learningCurve, type CurvePoint, type EpochEvent } from './charts.js';
import { formatDuration } from '../duration.js';
import { escapeHtml, figure, metric, page, section, table } from './html.js';
import { renderSvg } from './svg.js';
import { historyScalars, writeTensorBoardScalars } from './tensorboard.js';

/** What a run report shows; the rest (names, unfreeze steps, starting weights) it reads from the run's config snapshot. */
export interface RunFacts {
  runId: string;
  config: ConfigSnapshot;
  data: { fingerprint: string; records: Record<string, number> };
  history: EpochRecord[];
  /** The epoch budget. */
  epochs: number;
  best?: { monitor: string; value: number; epoch?: number };
  /** Set once the run has exported its model. */
  exported?: { which: 'best' | 'last'; epoch: number; step: number; digest?: string };
  test?: SplitEvaluation;
  /** Seconds per stage. */
  timings: Record<string, number>;
  backend: { built: string; trained?: ActiveBackend };
  /** Counts from the pretrained compatibility report, when the run started from weights. */
  pretrained?: { policy: string; matched: number; missing: number; unexpected: number; shapeMismatches: number };
}

/** The metrics a learning curve is drawn for, with their training and validation fields. */
const CURVES = [
  { title: 'loss', train: 'loss', validation: 'val_loss' },
  { title: 'accuracy', train: 'accuracy', validation: 'val_accuracy' },
  { title: "Cohen's kappa", train: 'cohenKappa', validation: 'val_cohenKappa' },
  { title: 'macro F1', train: 'macroF1', validation: 'val_macroF1' },
] as const;

/** Writes `reports/report.html` and the TensorBoard event file of the run in `runRoot`. */
export async function writeRunReport(runRoot: string, facts: RunFacts): Promise<{ report: string; tensorboard: string }> {
  const html = await renderRunReport(facts, runRoot);
  const report = join(runRoot, 'reports', 'report.html');
  await writeFileAtomically(report, html);
  const tensorboard = join(runRoot, 'tensorboard');
  const startTime = Date.parse(facts.config.createdAt) / 1000; // fixed for the run, so every rewrite keeps the file's name
  await writeTensorBoardScalars(tensorboard, historyScalars(facts.history, { startTime }), { startTime }); // each record's learning rate
  return { report, tensorboard };
}

/** The report as one self-contained HTML page. */
export async function renderRunReport(facts: RunFacts, runRoot: string): Promise<string> {
  const { experiment, network, unfreeze, startedFrom } = await snapshotSummary(facts.config);
  const trained = facts.history.length;
  const status = facts.exported
    ? `${trained} epochs trained; exported the ${facts.exported.which} model (epoch ${facts.exported.epoch})`
    : `training: epoch ${trained} of ${facts.epochs}`;
  const events = epochEvents(facts, unfreeze);
  const body = [
    section('Learning curves', await curves(facts.history, events), 'curves'),
    facts.test ? section('Test set', await testSection(facts.test, facts.exported), 'test') : section('Test set', '<p class="note">Evaluated once training ends.</p>', 'test'),
    section('Lineage', lineage(facts, runRoot, startedFrom), 'lineage'),
    section('Timings and compute', compute(facts), 'compute'),
  ].join('\n');
  return page(`${experiment} · ${facts.runId}`, `${network} — ${status}. Written ${new Date().toISOString()}.`, body);
}

/**
 * The names, unfreeze steps and starting weights the report needs, read from
 * the snapshot's resolved configs as plain JSON: a report of an older run
 * must open even when today's validation rules would refuse its config.
 */
async function snapshotSummary(snapshot: ConfigSnapshot): Promise<{ experiment: string; network: string; unfreeze: { atEpoch: number; trainable: string[] }[]; startedFrom?: string }> {
  const read = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const train = (await read(snapshot.train.path)) as { experiment?: string; fineTune?: { unfreezeSchedule?: { atEpoch: number; trainable: string[] }[]; pretrained?: { path?: string } } };
  const net = (await read(snapshot.net.path)) as { name?: string };
  const startedFrom = train.fineTune?.pretrained?.path;
  return {
    experiment: train.experiment ?? 'experiment',
    network: net.name ?? 'network',
    unfreeze: train.fineTune?.unfreezeSchedule ?? [],
    ...(startedFrom ? { startedFrom } : {}),
  };
}

/** The best epoch, every change of the base learning rate, and every unfreeze step reached. */
export function epochEvents(facts: Pick<RunFacts, 'history' | 'best'>, unfreeze: readonly { atEpoch: number; trainable: readonly string[] }[]): EpochEvent[] {
  const events: EpochEvent[] = [];
  const trained = facts.history.length;
  if (facts.best?.epoch !== undefined) events.push({ epoch: facts.best.epoch, kind: 'best', label: `best ${facts.best.monitor} (epoch ${facts.best.epoch})` });
  facts.history.forEach((record, i) => {
    const before = facts.history[i - 1]?.learningRate;
    if (record.learningRate !== undefined && before !== undefined && record.learningRate !== before) {
      events.push({ epoch: record.epoch, kind: 'learningRate', label: `learning rate ${record.learningRate}` });
    }
  });
  for (const step of unfreeze) {
    if (step.atEpoch <= trained) events.push({ epoch: step.atEpoch, kind: 'unfreeze', label: `unfreeze ${step.trainable.join(', ')}` });
  }
  return events;
}

/** One point per epoch and split for each metric the history holds. */
export function curvePoints(history: readonly EpochRecord[]): { title: string; points: CurvePoint[] }[] {
  return CURVES.map(({ title, train, validation }) => ({
    title,
    points: history.flatMap((record) => [
      ...(record[train] !== undefined ? [{ epoch: record.epoch, value: record[train]!, series: 'train' }] : []),
      ...(record[validation] !== undefined ? [{ epoch: record.epoch, value: record[validation]!, series: 'validation' }] : []),
    ]),
  })).filter((curve) => curve.points.length > 0);
}

async function curves(history: readonly EpochRecord[], events: EpochEvent[]): Promise<string> {
  if (history.length === 0) return '<p class="note">No epoch has finished yet.</p>';
  const charts = await Promise.all(curvePoints(history).map(async ({ title, points }) => figure(title, await renderSvg(learningCurve(title, points, events)))));
  const rows = history.map((r) => [r.epoch, metric(r.loss), metric(r.val_loss), metric(r.accuracy), metric(r.val_accuracy), metric(r.cohenKappa), metric(r.val_cohenKappa), r.learningRate ?? '—', formatDuration(r.seconds, { tenths: true })]);
  const perEpoch = table(['epoch', 'loss', 'val loss', 'accuracy', 'val accuracy', 'kappa', 'val kappa', 'learning rate', 'time'], rows, 'data-table="history"');
  return `<div class="charts">${charts.join('')}</div><details><summary>Per epoch</summary>${perEpoch}</details>`;
}

async function testSection(test: SplitEvaluation, exported: RunFacts['exported']): Promise<string> {
  const classes = test.perClass.map((c) => c.name);
  const which = exported ? `The ${exported.which} model (epoch ${exported.epoch}) on the test split: ` : '';
  const summary = `<p>${escapeHtml(which)}${test.count.toLocaleString('en')} labelled positions; loss ${metric(test.loss)}, accuracy ${test.accuracy.toFixed(3)}, Cohen's kappa ${test.cohenKappa.toFixed(3)}, macro F1 ${test.macroF1.toFixed(3)}.</p>`;
  const matrix = figure('confusion', await renderSvg(confusionHeatMap(classes, test.confusion)), 'Rows: true class; columns: predicted; colour: share of the row.');
  const perClass = table(
    ['class', 'precision', 'recall', 'F1', 'support'],
    test.perClass.map((c) => [c.name, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), c.support]),
    'data-table="per-class"',
  );
  return `${summary}<div class="charts">${matrix}<div>${perClass}</div></div>`;
}

function lineage(facts: RunFacts, runRoot: string, startedFrom: string | undefined): string {
  const where = (path: string) => (path.startsWith(runRoot) ? relative(runRoot, path) : path);
  const configs = table(
    ['config', 'file', 'SHA-256'],
    [
      ['train_params (resolved)', where(facts.config.train.path), facts.config.train.sha256],
      ['net_params (resolved)', where(facts.config.net.path), facts.config.net.sha256],
      ['train_params (as given)', facts.config.sources.train.file ?? 'inline', facts.config.sources.train.sha256],
      ['net_params (as given)', facts.config.sources.net.file ?? 'inline', facts.config.sources.net.sha256],
    ],
  );
  const records = Object.entries(facts.data.records).map(([split, count]) => `${count.toLocaleString('en')} ${split}`).join(', ');
  const data = `<p>Data fingerprint <code>${escapeHtml(facts.data.fingerprint)}</code>: ${escapeHtml(records)} records.</p>`;
  const p = facts.pretrained;
  const weights = startedFrom
    ? `<p>Started from <code>${escapeHtml(startedFrom)}</code>${p ? ` (${p.policy}: ${p.matched} matched, ${p.missing} missing, ${p.unexpected} unexpected, ${p.shapeMismatches} shape mismatches)` : ''}.</p>`
    : '<p>Started from freshly initialised weights.</p>';
  const model = facts.exported?.digest ? `<p>Exported model digest <code>${escapeHtml(facts.exported.digest)}</code>.</p>` : '';
  return configs + data + weights + model;
}

function compute(facts: RunFacts): string {
  const stages = Object.entries(facts.timings).map(([stage, seconds]) => [stage, formatDuration(seconds, { tenths: true })]);
  const trained = facts.backend.trained;
  const backend = `<p>Built on ${escapeHtml(facts.backend.built)}${trained ? `; trained on ${escapeHtml(trained.name)} (${escapeHtml(trained.package)})` : ''}.</p>`;
  return backend + table(['stage', 'time'], stages);
}
