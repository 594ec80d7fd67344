/** `epochal inspect <net_params.json | train_params.json>`: the network as a layer table. */
import type { Command } from 'commander';
import { useBackend } from '../../backend/index.js';
import { loadNetConfig, loadTrainConfig } from '../../config/load.js';
import { formatIssues } from '../../config/issues.js';
import { ConfigError } from '../../errors.js';
import { buildModel } from '../../model/build.js';
import { applyTrainable, freezeReport, trainableAt, trainableCandidates } from '../../model/freeze.js';
import { formatLayerTable, layerRows } from '../../model/inspect.js';
import { listWeights } from '../../model/weights.js';
import { detectConfigKind, print } from '../shared.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Print the layers of a network (name, type, output shape, parameters, trainable); with train_params, after freezing')
    .argument('<file>', 'net_params.json, or train_params.json to apply its fineTune patterns')
    .option('--weights', 'also list every weight name (what freeze patterns match)')
    .action(async (file: string, flags: { weights?: boolean }) => {
      try {
        await useBackend('cpu');
        const isTrain = detectConfigKind(file, undefined) === 'train_params';
        const { net, train } = isTrain ? await loadTrainConfig(file) : { ...(await loadNetConfig(file)), train: undefined };
        const model = buildModel(net, train?.seed ?? 0);
        const candidates = trainableCandidates(model);
        if (train) applyTrainable(model, trainableAt(1, train.fineTune, [...candidates]), candidates);
        print.info(`${net.name}: inputs ${Object.entries(net.inputs).map(([name, spec]) => `${name} ${JSON.stringify(spec.shape)}`).join(', ')}\n`);
        print.info(formatLayerTable(layerRows(model, candidates)));
        const report = freezeReport(listWeights(model), candidates);
        print.info(
          `\n${model.countParams().toLocaleString('en')} parameters: ${report.trainableParams.toLocaleString('en')} trainable, ` +
            `${report.frozenParams.toLocaleString('en')} frozen, ${report.nonTrainableParams.toLocaleString('en')} non-trainable (batch-norm statistics)`,
        );
        if (flags.weights) print.info(`\n${listWeights(model).map((w) => `${w.name}  ${JSON.stringify(w.shape)}${w.trainable ? '' : '  (frozen)'}`).join('\n')}`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        print.fail(`${file} is invalid:`);
        console.error(formatIssues(error.issues));
        process.exitCode = 1;
      }
    });
}
