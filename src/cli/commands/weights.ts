/**
 * `epochal weights import <file> --net <net_params.json>`: maps a weights file
 * (safetensors, Keras, a checkpoint or tfjs folder) onto a network and prints
 * the compatibility report weight by weight, before anything trains; with
 * `--out`, writes the mapped weights as a tfjs model folder (and its
 * model.safetensors), which fineTune.pretrained and inference read.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { useBackend } from '../../backend/index.js';
import { folderHandler } from '../../checkpoint/tfjs-folder.js';
import { loadNetConfig, loadTrainConfig } from '../../config/load.js';
import { formatIssues } from '../../config/issues.js';
import type { NetParams } from '../../config/net/net-params.js';
import { ConfigError, OutputFolderError, WeightsError } from '../../errors.js';
import { buildModel } from '../../model/build.js';
import { loadPretrained } from '../../model/pretrained.js';
import { isBuiltinMapping } from '../../weights/builtin.js';
import { writeTorchWeights } from '../../weights/export-torch.js';
import { formatCompatibilityReport } from '../../weights/format-report.js';
import { detectConfigKind, print } from '../shared.js';

interface ImportFlags {
  net: string;
  mapping?: string;
  policy: 'strict' | 'partial';
  out?: string;
}

export function registerWeights(program: Command): void {
  const weights = program.command('weights').description('Weights from other frameworks');
  weights
    .command('import')
    .description('Map a weights file onto a network and print, weight by weight, what loads from where (the compatibility report); with --out, write them as a model folder')
    .argument('<file>', '.safetensors (a PyTorch state_dict), Keras weights (.weights.h5, .h5, .keras), an Epochal checkpoint or a tfjs model folder')
    .requiredOption('--net <file>', 'net_params.json of the network (or a train_params.json naming it)')
    .option('--mapping <file|name>', 'a mapping file (JSON rules), or a built-in mapping: epochal-torch-1, sleepnet-torch (default: chosen for a state_dict)')
    .option('--policy <policy>', 'strict: any weight left out is an error; partial: load what fits', 'strict')
    .option('--out <folder>', 'write the network with these weights here (a new folder: model.json, weights.bin, model.safetensors)')
    .action(async (file: string, flags: ImportFlags) => {
      if (flags.policy !== 'strict' && flags.policy !== 'partial') {
        print.fail(`--policy must be strict or partial, not "${String(flags.policy)}".`);
        process.exitCode = 2;
        return;
      }
      try {
        await importCommand(file, flags);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        print.fail(`${flags.net} is invalid:`);
        console.error(formatIssues(error.issues));
        process.exitCode = 1;
      }
    });
}

async function importCommand(file: string, flags: ImportFlags): Promise<void> {
  await useBackend('cpu');
  const { net, train } = detectConfigKind(flags.net, undefined) === 'train_params' ? await loadTrainConfig(flags.net) : { ...(await loadNetConfig(flags.net)), train: undefined };
  const out = flags.out ? resolve(flags.out) : undefined;
  if (out) await refuseTaken(out);
  const model = buildModel(net, train?.seed ?? 0);
  try {
    const mapping = flags.mapping && !isBuiltinMapping(flags.mapping) ? resolve(flags.mapping) : flags.mapping;
    const report = await loadPretrained(model, resolve(file), flags.policy, mapping, net).catch(async (error: unknown) => {
      // A strict refusal lists the first problems; the whole picture is what a partial load would take.
      if (flags.policy === 'strict' && error instanceof WeightsError) await printPartialReport(net, train?.seed ?? 0, resolve(file), mapping);
      throw error;
    });
    for (const line of formatCompatibilityReport(report)) print.info(line);
    if (!out) return;
    // Written beside the destination, then renamed: a folder at `out` is whole or absent.
    const staging = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
    try {
      await model.save(folderHandler(staging));
      await writeTorchWeights(staging);
      await refuseTaken(out);
      await rename(staging, out);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    print.ok(`wrote ${out} (model.json, weights.bin, model.safetensors): point fineTune.pretrained.path at it`);
  } finally {
    model.dispose();
  }
}

async function printPartialReport(net: NetParams, seed: number, file: string, mapping: string | undefined): Promise<void> {
  const model = buildModel(net, seed);
  try {
    const report = await loadPretrained(model, file, 'partial', mapping, net);
    print.info('What loads and what does not (as policy partial would load it):');
    for (const line of formatCompatibilityReport(report)) print.info(line);
  } catch {
    // Nothing fits at all: the strict error says so.
  } finally {
    model.dispose();
  }
}

async function refuseTaken(folder: string): Promise<void> {
  const taken = await stat(folder).then(
    () => true,
    () => false,
  );
  if (taken) throw new OutputFolderError(`${folder} already exists, and epochal weights import never writes into an existing folder. Fix: pass a new --out folder.`, folder);
}
