/** Epochal's client plugin: its data converter (failure converter, and the payload codec when keys are configured) on any Temporal client. */
import { SimplePlugin } from '@temporalio/plugin';
import { epochalDataConverter, withEpochalConverter } from './codec/data-converter.js';
import type { CodecKeys } from './codec/keys.js';

/** The client plugin for `keys` (default: the environment's codec keys, see `codec/keys.ts`). */
export async function epochalClientPlugin(keys?: CodecKeys): Promise<SimplePlugin> {
  const { encrypted: _, ...dataConverter } = await epochalDataConverter(keys);
  return new SimplePlugin({ name: 'epochal-client', dataConverter: (existing) => withEpochalConverter(existing, dataConverter) });
}
