/**
 * Cross-field checks: the second validation phase, run once the structure is
 * valid. Each check is small and named, and reports every problem it finds.
 */
import type { ConfigIssue } from './issues.js';

/** A named cross-field check over a validated context `C`. */
export interface Check<C> {
  /** Short camelCase name, recorded on each issue it reports. */
  readonly name: string;
  /** Returns the problems found; `file` may be left out to mean the context's main file. */
  run(context: C): ConfigIssue[];
}

/** Runs every check and labels each issue with the check's name and, by default, `file`. */
export function runChecks<C>(checks: readonly Check<C>[], context: C, file?: string): ConfigIssue[] {
  return checks.flatMap((check) =>
    check.run(context).map((issue) => ({
      ...(file && !issue.file ? { file } : {}),
      ...issue,
      check: check.name,
    })),
  );
}
