/**
 * Charts as static SVG: Vega-Lite specs compiled by `vega-lite` and rendered
 * headless by `vega` (no browser, no canvas), so a report is plain markup that
 * opens offline.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** The chart as an SVG element (no scripts, no external resources). */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
