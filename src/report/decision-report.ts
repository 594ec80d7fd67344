/**
 * `reports/decision.html` of a retraining run: the challenger against the
 * champion on the same holdout, the gate, and what was decided and why.
 */
import { join } from 'node:path';
import { writeFileAtomically } from '../artifacts/atomic.js';
import type { Promotion } from '../config/train/promotion.js';
import type { PromotionDecision } from '../registry/champion.js';
import { scoreBars } from './charts.js';
import { escapeHtml, figure, page, section, table } from './html.js';
import { renderSvg } from './svg.js';

/** The promotion gate (train_params' `promotion`). */
export type GateFacts = Promotion;

/** Writes the decision report into the challenger run's `reports/` and returns its path. */
export async function writeDecisionReport(runRoot: string, experiment: string, decision: PromotionDecision, gate?: GateFacts): Promise<string> {
  const path = join(runRoot, 'reports', 'decision.html');
  await writeFileAtomically(path, await renderDecisionReport(experiment, decision, gate));
  return path;
}

/** The decision as one self-contained HTML page. */
export async function renderDecisionReport(experiment: string, decision: PromotionDecision, gate?: GateFacts): Promise<string> {
  const { challenger, champion } = decision;
  const metrics = [...new Set([...Object.keys(challenger.metrics), ...Object.keys(champion?.metrics ?? {})])];
  const scores = table(
    ['metric', `challenger (${challenger.run})`, ...(champion ? [`champion (${champion.run})`] : [])],
    metrics.map((name) => [name, show(challenger.metrics[name]), ...(champion ? [show(champion.metrics[name])] : [])]),
    'data-table="scores"',
  );
  const bars = figure(
    'scores',
    await renderSvg(
      scoreBars(
        'Scores on the holdout',
        metrics.flatMap((name) => [
          { metric: name, model: 'challenger', value: challenger.metrics[name] ?? 0 },
          ...(champion ? [{ metric: name, model: 'champion', value: champion.metrics[name] ?? 0 }] : []),
        ]),
      ),
    ),
  );
  const verdict = decision.stale
    ? 'Stale: another model was promoted while this one was judged; nothing changed.'
    : decision.promoted
      ? 'Promoted: the challenger is the champion now.'
      : 'Kept: the champion stays.';
  const gateText = gate ? `<p data-gate>Gate: the challenger's ${escapeHtml(gate.metric)} must beat the champion's by more than ${gate.margin}.</p>` : '';
  const models = table(
    ['', 'run', 'model folder', 'digest'],
    [
      ['challenger', challenger.run, challenger.model, challenger.manifest?.digest ?? '—'],
      ...(champion ? [['champion', champion.run, champion.model, champion.manifest?.digest ?? '—']] : []),
    ],
  );
  const body = [
    section('Decision', `<p data-verdict="${decision.stale ? 'stale' : decision.promoted ? 'promoted' : 'kept'}"><strong>${escapeHtml(verdict)}</strong></p><p>${escapeHtml(decision.reason)}</p>${gateText}`, 'decision'),
    section(champion ? 'Challenger against champion' : 'Challenger (no champion yet)', `<div class="charts">${bars}<div>${scores}</div></div>`, 'scores'),
    section('Models', models, 'models'),
  ].join('\n');
  return page(`${experiment} · retraining decision`, `${decision.by}, ${decision.at}`, body);
}

function show(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(4);
}
