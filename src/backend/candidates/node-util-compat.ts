/**
 * `@tensorflow/tfjs-node` 4.22 (the last release) calls `util.isNullOrUndefined`
 * and `util.isArray`, which Node 23 removed after years of deprecation; on
 * Node 24 LTS its first op fails with "isNullOrUndefined is not a function".
 * This puts the two back, with their documented meaning, before tfjs-node
 * loads. Nothing is replaced where Node still has them.
 */
import util from 'node:util';

export function restoreUtilHelpersTfjsNodeCalls(): void {
  const helpers = util as unknown as Record<string, unknown>;
  helpers.isNullOrUndefined ??= (value: unknown) => value === null || value === undefined;
  helpers.isArray ??= Array.isArray;
}
