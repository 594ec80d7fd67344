/**
 * JSON Schemas generated from the zod schemas, so editors validate and
 * autocomplete configs through their `$schema` key. `configs/schema/` holds the
 * generated files; a test fails when they are stale (`epochal schema` rewrites them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InferParams } from './infer/infer-params.js';
import { NetParams } from './net/net-params.js';
import { SweepParams } from './sweep/sweep-params.js';
import { TrainParams } from './train/train-params.js';

/** The config kinds, each with its schema and generated file name. */
export const CONFIG_KINDS = {
  net_params: { schema: NetParams, file: 'net_params.schema.json' },
  train_params: { schema: TrainParams, file: 'train_params.schema.json' },
  infer_params: { schema: InferParams, file: 'infer_params.schema.json' },
  sweep_params: { schema: SweepParams, file: 'sweep_params.schema.json' },
} as const;
export type ConfigKind = keyof typeof CONFIG_KINDS;

/** The JSON Schema of one config kind (the input side: keys with defaults are optional). */
export function jsonSchemaOf(kind: ConfigKind): Record<string, unknown> {
  const schema = z.toJSONSchema(CONFIG_KINDS[kind].schema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  const generated = { ...schema, $id: CONFIG_KINDS[kind].file, title: `Epochal ${kind}.json` };
  if (kind === 'train_params') linkInlineNet(generated);
  return generated;
}

/** Generated file name → pretty-printed JSON Schema text, for every config kind. */
export function jsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(CONFIG_KINDS) as ConfigKind[]).map((kind) => [
      CONFIG_KINDS[kind].file,
      `${JSON.stringify(jsonSchemaOf(kind), null, 2)}\n`,
    ]),
  );
}

/** Writes every JSON Schema into `dir`; returns the paths written. */
export async function writeJsonSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    Object.entries(jsonSchemaFiles()).map(async ([file, text]) => {
      await writeFile(join(dir, file), text);
      return join(dir, file);
    }),
  );
}

/** An inline `netParams` object is a whole net_params document: point editors at that schema. */
function linkInlineNet(schema: Record<string, unknown>): void {
  const properties = schema.properties as Record<string, { description?: string }>;
  const description = properties.netParams?.description;
  properties.netParams = {
    ...(description ? { description } : {}),
    anyOf: [{ type: 'string', minLength: 1 }, { $ref: CONFIG_KINDS.net_params.file }],
  } as { description?: string };
}
