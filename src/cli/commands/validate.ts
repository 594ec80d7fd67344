/** `epochal validate <file>`: check a net, train or infer params file; exit 1 listing every problem. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'jsonc-parser';
import { loadInferConfig, loadNetConfig, loadTrainConfig } from '../../config/load.js';
import { loadSweepConfig } from '../../config/sweep/load.js';
import { CONFIG_KINDS, type ConfigKind } from '../../config/json-schema.js';
import { formatIssues } from '../../config/issues.js';
import { ConfigError } from '../../errors.js';
import { detectConfigKind, print } from '../shared.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate a train_params, net_params, infer_params or sweep_params file; list every problem with its JSON path')
    .argument('<file>', 'config file')
    .option('--kind <kind>', `config kind when the file name does not say (${Object.keys(CONFIG_KINDS).join(', ')})`)
    .action(async (file: string, flags: { kind?: string }) => {
      const kind = flags.kind ?? detectConfigKind(file, await peek(file));
      if (!kind || !(kind in CONFIG_KINDS)) {
        print.fail(`Cannot tell what kind of config ${file} is. Pass --kind ${Object.keys(CONFIG_KINDS).join('|')}.`);
        process.exitCode = 2;
        return;
      }
      try {
        print.ok(await validate(file, kind as ConfigKind));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        print.fail(`${file} is invalid (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}):`);
        console.error(formatIssues(error.issues));
        process.exitCode = 1;
      }
    });
}

async function validate(file: string, kind: ConfigKind): Promise<string> {
  switch (kind) {
    case 'train_params': {
      const { train, net } = await loadTrainConfig(file);
      return `${file} is valid: experiment ${train.experiment}, network ${net.name} (${Object.keys(net.blocks).length} blocks), ${train.training.epochs} epochs on ${train.data.source.type} data.`;
    }
    case 'net_params': {
      const { net } = await loadNetConfig(file);
      return `${file} is valid: network ${net.name} with inputs ${Object.keys(net.inputs).join(', ')} and ${Object.keys(net.blocks).length} blocks.`;
    }
    case 'infer_params': {
      const { infer } = await loadInferConfig(file);
      return `${file} is valid: ${infer.model.type} model, ${infer.data.source.type} data, ${infer.output.format} output.`;
    }
    case 'sweep_params': {
      const { experiment, trials, sweep, metric, mode } = await loadSweepConfig(file);
      return `${file} is valid: ${trials.length} trials of experiment ${experiment} (${sweep.search.type} search), ranked by ${metric} (${mode}), ${sweep.parallelism} at a time; every trial config checked.`;
    }
  }
}

/** The file's JSON, if it parses, for detecting its kind; loading reports read errors properly. */
async function peek(file: string): Promise<unknown> {
  try {
    return parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
