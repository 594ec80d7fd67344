/**
 * Makes sure a namespace has Epochal's search attributes before a worker runs
 * workflows that upsert them: on a cluster without them, every workflow task
 * would fail and retry forever. Dev servers started by Epochal register them
 * at start; other clusters get them here, or a clear error saying how.
 */
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { EPOCHAL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Registers whichever Epochal search attributes `namespace` lacks; returns the names it added. */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = EPOCHAL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}` as keyof typeof IndexedValueType]]),
      ),
    });
  } catch (error) {
    const flags = missing.map((key) => `--name ${key.name} --type ${cliTypeName(key.type)}`).join(' ');
    throw new Error(
      `Namespace "${namespace}" lacks Epochal's search attributes (${missing.map((k) => k.name).join(', ')}) ` +
        `and this worker may not add them (${String(error)}). Register them once with ` +
        `\`temporal operator search-attribute create --namespace ${namespace} ${flags}\`.`,
    );
  }
  return missing.map((key) => key.name);
}

/** Temporal CLI flags that register Epochal's search attributes on a dev server (`--search-attribute Name=Keyword`). */
export function searchAttributeFlags(): string[] {
  return EPOCHAL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]);
}

/** The Temporal CLI's spelling of a search attribute type: KEYWORD_LIST → KeywordList. */
function cliTypeName(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}
