/** The data converter every Epochal client and worker uses: encrypted payloads and failures when keys are configured. */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec.js';
import { codecKeysFromEnv, type CodecKeys } from './keys.js';

/** The module the workflow bundle loads its failure converter from. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** Epochal's data converter for `keys` (or the environment's keys; none: payloads as they are). */
export async function epochalDataConverter(keys?: CodecKeys): Promise<DataConverter & { encrypted: boolean }> {
  const configured = keys ?? (await codecKeysFromEnv());
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(configured ? { payloadCodecs: [new AesGcmCodec(configured)] } : {}),
    encrypted: Boolean(configured),
  };
}

/** The worker's or client's data converter with Epochal's codec after its own codecs (once, however often the plugin is applied), and Epochal's failure converter unless it has one. */
export function withEpochalConverter(existing: DataConverter | undefined, epochal: DataConverter): DataConverter {
  return {
    ...epochal,
    ...existing,
    payloadCodecs: [...new Set([...(existing?.payloadCodecs ?? []), ...(epochal.payloadCodecs ?? [])])],
  };
}
