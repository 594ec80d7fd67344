/** `epochal data inspect <train_params.json>`: what the data source holds, without preparing it. */
import type { Command } from 'commander';
import { loadTrainConfig } from '../../config/load.js';
import { formatIssues } from '../../config/issues.js';
import { summarizeData } from '../../data/inspect.js';
import { loadPlugins } from '../../data/registry.js';
import { ConfigError, DataError } from '../../errors.js';
import { print } from '../shared.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('Look at the data a training job uses');
  data
    .command('inspect')
    .description('Counts, shapes, class balance and split sizes of the data source, without preparing it')
    .argument('<train_params>', 'train_params.json')
    .option('--plugins <modules...>', 'ES modules that register custom datasets')
    .action(async (file: string, flags: { plugins?: string[] }) => {
      try {
        await loadPlugins(flags.plugins ?? []);
        const { train } = await loadTrainConfig(file);
        const summary = await summarizeData(train.data);
        print.info(`${summary.origin}`);
        print.field('records', `${summary.records.toLocaleString('en')} in ${summary.groups.toLocaleString('en')} groups`);
        if (summary.sequence) {
          const { min, max, mean } = summary.sequence;
          print.field('sequences', `${min}–${max} steps (mean ${mean.toFixed(1)})`);
        }
        for (const [name, spec] of Object.entries(summary.fields)) {
          print.field(name, `${spec.kind}, ${spec.dtype} ${JSON.stringify(spec.shape).replace(/null/g, 'n')}`);
        }
        const labelled = summary.classes.reduce((total, c) => total + c.count, 0);
        print.info('classes');
        for (const c of summary.classes) {
          print.field(`  ${c.name}`, `${c.count.toLocaleString('en')} (${labelled > 0 ? ((100 * c.count) / labelled).toFixed(1) : '0.0'}%)`);
        }
        if (summary.unlabelled > 0) print.field('  unlabelled', summary.unlabelled.toLocaleString('en'));
        print.info('splits (by group)');
        for (const [split, { records, groups }] of Object.entries(summary.splits)) {
          print.field(`  ${split}`, `${records.toLocaleString('en')} records, ${groups} groups`);
        }
      } catch (error) {
        if (error instanceof ConfigError) {
          print.fail(`${file} is invalid:`);
          console.error(formatIssues(error.issues));
          process.exitCode = 1;
        } else if (error instanceof DataError) {
          print.fail(error.message);
          process.exitCode = 1;
        } else throw error;
      }
    });
}
