/** `epochal provision`: find or build the Temporal CLI that local servers and tests use. */
import type { Command } from 'commander';
import { findTemporalCli, TEMPORAL_CLI_VERSION } from '../../temporal/cli-binary.js';
import { print } from '../shared.js';

export function registerProvision(program: Command): void {
  program
    .command('provision')
    .description(`Find a Temporal CLI, or build v${TEMPORAL_CLI_VERSION} with Go into the user cache`)
    .action(async () => {
      const started = Date.now();
      const cli = await findTemporalCli({ log: print.info });
      if (!cli) {
        print.info('No Temporal CLI and no Go: local servers will use the Temporal SDK download (needs internet).');
        return;
      }
      print.ok(`Temporal CLI (${cli.source}): ${cli.path} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
    });
}
