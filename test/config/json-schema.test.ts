import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CONFIG_KINDS, jsonSchemaFiles, type ConfigKind } from '../../src/config/json-schema.js';
import { CONFIGS, readJson } from '../helpers/configs.js';

const SCHEMA_DIR = join(CONFIGS, 'schema');
const EXAMPLES: [string, ConfigKind][] = [
  ['sleepnet/net_params.json', 'net_params'],
  ['sleepnet/train_params.json', 'train_params'],
  ['sleepnet/infer_params.json', 'infer_params'],
  ['tabular-mlp/net_params.json', 'net_params'],
  ['tabular-mlp/train_params.json', 'train_params'],
  ['tabular-mlp/infer_params.json', 'infer_params'],
  ['tabular-mlp/sweep_params.json', 'sweep_params'],
];

/** An Ajv instance holding the committed schema files, as an editor would load them. */
async function committedSchemas(): Promise<Ajv2020> {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const { file } of Object.values(CONFIG_KINDS)) ajv.addSchema(JSON.parse(await readFile(join(SCHEMA_DIR, file), 'utf8')));
  return ajv;
}

describe('JSON Schemas for editors', () => {
  it('match the zod schemas (run `npx epochal schema` when this fails)', async () => {
    for (const [file, text] of Object.entries(jsonSchemaFiles())) {
      expect(await readFile(join(SCHEMA_DIR, file), 'utf8'), `${file} is stale`).toBe(text);
    }
  });

  it.each(EXAMPLES)('validate the example %s, which points at its schema with $schema', async (example, kind) => {
    const ajv = await committedSchemas();
    const config = await readJson(join(CONFIGS, example));
    expect(config.$schema).toBe(`../schema/${CONFIG_KINDS[kind].file}`);
    const validate = ajv.getSchema(CONFIG_KINDS[kind].file)!;
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reject what the zod schemas reject: unknown keys, bad enums, wrong types', async () => {
    const ajv = await committedSchemas();
    const validate = ajv.getSchema(CONFIG_KINDS.train_params.file)!;
    const config = await readJson(join(CONFIGS, 'sleepnet/train_params.json'));
    config.training.epochz = 3;
    config.backend = 'cuda';
    config.data.source.subjects = 'forty';
    expect(validate(config)).toBe(false);
    const problems = validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`);
    expect(problems).toEqual(
      expect.arrayContaining(['/training additionalProperties', '/backend enum', '/data/source/subjects type']),
    );
  });

  it('describe an inline network with the net_params schema', async () => {
    const ajv = await committedSchemas();
    const validate = ajv.getSchema(CONFIG_KINDS.train_params.file)!;
    const config = await readJson(join(CONFIGS, 'tabular-mlp/train_params.json'));
    config.netParams = await readJson(join(CONFIGS, 'tabular-mlp/net_params.json'));
    expect(validate(config)).toBe(true);
    config.netParams.blocks.hidden.units = 'many';
    expect(validate(config)).toBe(false);
  });
});
