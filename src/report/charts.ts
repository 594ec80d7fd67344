/**
 * The report's charts as Vega-Lite specs (pure data in, spec out). Marks that
 * tests count are named: `points` (one per epoch and split on a learning
 * curve), `cells` and `counts` (the confusion matrix).
 */
import type { ChartSpec } from './svg.js';

/** One value of a learning curve. */
export interface CurvePoint {
  epoch: number;
  value: number;
  /** The series: `train`, `validation`, or a run's name when curves of several runs are overlaid. */
  series: string;
}

/** Something that happened at an epoch, drawn as a labelled vertical rule. */
export interface EpochEvent {
  epoch: number;
  label: string;
  kind: 'best' | 'learningRate' | 'unfreeze';
}

const WIDTH = 320;
const HEIGHT = 220;
const EVENT_COLOURS = { best: '#d62728', learningRate: '#7f7f7f', unfreeze: '#9467bd' } as const;
/** Legend labels of the event kinds (a Vega expression). */
const EVENT_NAMES = "datum.label === 'best' ? 'best epoch' : datum.label === 'learningRate' ? 'learning rate' : 'unfrozen'";

/** One metric per epoch, a line and a point per series, with events marked. */
export function learningCurve(title: string, points: CurvePoint[], events: EpochEvent[] = []): ChartSpec {
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } } as const;
  const y = { field: 'value', type: 'quantitative', title, scale: { zero: false } } as const;
  const splitsOnly = points.every((point) => point.series === 'train' || point.series === 'validation');
  // Train and validation keep their colours whichever of them a chart has.
  const colour = { field: 'series', type: 'nominal', title: null, ...(splitsOnly ? { scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] } } : {}) } as const;
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: points }, mark: { type: 'line' }, encoding: { x, y, color: colour } },
      { name: 'points', data: { values: points }, mark: { type: 'point', filled: true, size: 30 }, encoding: { x, y, color: colour, tooltip: [{ field: 'series' }, { field: 'epoch' }, { field: 'value', format: '.4f' }] } },
      ...(events.length
        ? ([
            {
              name: 'events',
              data: { values: events },
              mark: { type: 'rule', strokeDash: [4, 3] },
              encoding: { x: { field: 'epoch', type: 'quantitative' }, stroke: eventColour(events), tooltip: [{ field: 'label' }, { field: 'epoch' }] },
            },
            {
              data: { values: events },
              mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -2, fontSize: 9 },
              encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' }, fill: eventColour(events) },
            },
          ] as const)
        : []),
    ],
  } as ChartSpec;
}

function eventColour(events: EpochEvent[]) {
  const kinds = [...new Set(events.map((event) => event.kind))];
  return { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds, range: kinds.map((kind) => EVENT_COLOURS[kind]) }, legend: { labelExpr: EVENT_NAMES } } as const;
}

/** A confusion matrix as a heat map: rows are true classes, columns predictions, each cell labelled with its count. */
export function confusionHeatMap(classes: readonly string[], matrix: readonly (readonly number[])[]): ChartSpec {
  const cells = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: classes[t]!, predicted: classes[p]!, count, share: rowShare(row, count) })));
  const size = Math.max(160, Math.min(360, 48 * classes.length));
  const axis = (field: string, title: string) => ({ field, type: 'ordinal', sort: [...classes], title }) as const;
  return {
    title: 'Confusion matrix (test)',
    width: size,
    height: size,
    data: { values: cells },
    encoding: { x: axis('predicted', 'predicted'), y: axis('actual', 'true class') },
    layer: [
      { name: 'cells', mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', title: 'row share', scale: { scheme: 'blues', domain: [0, 1] } }, tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count' }] } },
      { name: 'counts', mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'count', type: 'quantitative' }, color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' } } },
    ],
  } as ChartSpec;
}

function rowShare(row: readonly number[], count: number): number {
  const total = row.reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : count / total;
}

/** Counts per category as horizontal bars (the predicted classes of an inference job). */
export function countBars(title: string, counts: { label: string; count: number }[]): ChartSpec {
  return {
    title,
    width: WIDTH,
    data: { values: counts },
    mark: 'bar',
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'count', type: 'quantitative', title: 'rows' },
      tooltip: [{ field: 'label' }, { field: 'count' }],
    },
    name: 'bars',
  } as ChartSpec;
}

/** Metric values of two models side by side (a champion and a challenger). */
export function scoreBars(title: string, values: { metric: string; model: string; value: number }[]): ChartSpec {
  return {
    title,
    width: 120,
    data: { values },
    mark: 'bar',
    encoding: {
      column: { field: 'metric', type: 'nominal', title: null },
      x: { field: 'model', type: 'nominal', title: null, sort: ['champion', 'challenger'] },
      y: { field: 'value', type: 'quantitative', title: null },
      color: { field: 'model', type: 'nominal', scale: { domain: ['champion', 'challenger'], range: ['#7f7f7f', '#1f77b4'] }, legend: null },
      tooltip: [{ field: 'model' }, { field: 'metric' }, { field: 'value', format: '.4f' }],
    },
  } as ChartSpec;
}
