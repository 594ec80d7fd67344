/** `epochal schema`: (re)generate the JSON Schemas editors use to validate configs. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { jsonSchemaFiles, writeJsonSchemas } from '../../config/json-schema.js';
import { print } from '../shared.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('Write the JSON Schemas of net/train/infer params (generated from the zod schemas)')
    .option('--out <dir>', 'output folder', 'configs/schema')
    .option('--check', 'do not write; exit 1 when the files in --out are stale')
    .action(async (flags: { out: string; check?: boolean }) => {
      if (!flags.check) {
        for (const file of await writeJsonSchemas(flags.out)) print.ok(`wrote ${relative(process.cwd(), file)}`);
        return;
      }
      const stale: string[] = [];
      for (const [file, text] of Object.entries(jsonSchemaFiles())) {
        const current = await readFile(join(flags.out, file), 'utf8').catch(() => undefined);
        if (current !== text) stale.push(file);
      }
      if (stale.length === 0) return print.ok(`JSON Schemas in ${flags.out} are up to date.`);
      print.fail(`Stale JSON Schemas in ${flags.out}: ${stale.join(', ')}. Run \`npx epochal schema\`.`);
      process.exitCode = 1;
    });
}
