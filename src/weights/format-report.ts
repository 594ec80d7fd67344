/**
 * The compatibility report of a pretrained load as lines for a terminal:
 * every weight with where it came from (and the mapping rule, for an imported
 * file), then what was left out and why, then the counts.
 */
import type { CompatibilityReport } from '../model/pretrained.js';

export function formatCompatibilityReport(report: CompatibilityReport): string[] {
  const imported = report.imported;
  const origin = new Map(imported?.mapped.map((item) => [item.weight, item]) ?? []);
  const width = Math.max(0, ...report.matched.map((name) => name.length));
  const lines = [
    `${report.source}${imported?.mapping ? ` (mapping ${imported.mapping})` : ''}, policy ${report.policy}:`,
    ...report.matched.map((name) => {
      const from = origin.get(name);
      return `  ✓ ${name.padEnd(width)}${from ? `  ← ${from.from}  [${from.rule}]` : ''}`;
    }),
    ...report.missing.map((item) => `  ✗ ${item.name} ${JSON.stringify(item.shape)}: not in the file, freshly initialised`),
    ...report.shapeMismatches.map((item) => `  ✗ ${item.name}: shape ${JSON.stringify(item.found)} in the file, ${JSON.stringify(item.expected)} in the network, freshly initialised`),
    ...report.unexpected.map((item) => `  ✗ ${item.name} ${JSON.stringify(item.shape)}: not a weight of the network, left out`),
    ...(imported?.unmapped ?? []).map((name) => `  ✗ ${name}: no mapping rule matches it, left out`),
    ...(imported?.unfit ?? []).map((item) => `  ✗ ${item.from}: ${item.problem} [${item.rule}], left out`),
    ...(imported?.ignored ?? []).map((name) => `  · ${name}: ignored (not a weight)`),
  ];
  const counts = [
    `${report.matched.length} matched`,
    `${report.missing.length} missing`,
    `${report.unexpected.length} unexpected`,
    `${report.shapeMismatches.length} shape mismatches`,
    ...(imported ? [`${imported.unmapped.length + imported.unfit.length} unmapped`, `${imported.ignored.length} ignored`] : []),
  ];
  return [...lines, counts.join(', ')];
}
