/**
 * Config problems as data: every problem found in a config is a `ConfigIssue`
 * (which file, which JSON path, what is wrong, how to fix it). Parsing and the
 * cross-field checks produce them; formatting them is a separate, pure step.
 */
import { closest, distance } from 'fastest-levenshtein';

/** One JSON path segment: an object key or an array index. */
export type PathSegment = string | number;

/** One problem in one config file. */
export interface ConfigIssue {
  /** The config file the problem is in; undefined for an inline config object. */
  file?: string;
  /** Where in that file, as JSON path segments (`['training', 'epochs']`). */
  path: PathSegment[];
  /** What is wrong, as one sentence: "Expected an integer ≥ 1, but got -3." */
  message: string;
  /** How to fix it, when there is a fix to suggest. */
  hint?: string;
  /** Name of the cross-field check that found it; absent for structural problems. */
  check?: string;
}

/** Renders a JSON path in dotted form: `blocks.tcn.channels[2]`, or `(root)` for the top. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const plain = /^[A-Za-z_$][\w$]*$/.test(segment);
      if (!plain) return `[${JSON.stringify(segment)}]`;
      return i === 0 ? segment : `.${segment}`;
    })
    .join('');
}

/** Renders one issue as `json.path: message Fix: hint`. */
export function formatIssue(issue: ConfigIssue): string {
  const fix = issue.hint ? ` Fix: ${issue.hint}` : '';
  return `${formatPath(issue.path)}: ${issue.message}${fix}`;
}

/**
 * Renders issues grouped by file, one problem per line:
 *
 * ```
 * configs/x/train_params.json
 *   training.epochs: Expected an integer ≥ 1, but got -3.
 * ```
 */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const byFile = new Map<string, ConfigIssue[]>();
  for (const issue of issues) {
    const key = issue.file ?? '(inline config)';
    byFile.set(key, [...(byFile.get(key) ?? []), issue]);
  }
  return [...byFile.entries()]
    .map(([file, list]) => [file, ...list.map((issue) => `  ${formatIssue(issue)}`)].join('\n'))
    .join('\n');
}

/** Shows a config value in a message: strings quoted, long values shortened. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The candidate closest to `name` by edit distance, when it is close enough to
 * be a plausible typo (at most a third of the name's length, minimum 2 edits).
 */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, [...candidates]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** The candidates nearest to `name`, best first. */
export function nearest(name: string, candidates: readonly string[], count = 3): string[] {
  return [...candidates]
    .map((candidate) => ({ candidate, distance: distance(name, candidate) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
