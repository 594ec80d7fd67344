/** `epochal dev`: a local dev server and a worker in one process tree; Ctrl-C stops both. */
import type { Command } from 'commander';
import { connectWorker } from '../../temporal/connection.js';
import { createEpochalWorkers, defaultArtifactRoot } from '../../temporal/worker.js';
import { setTemporalLogLevel } from '../../temporal/logging.js';
import { print } from '../shared.js';
import { printBackend, printWorkerSettings, runSayingPromotion } from './worker.js';
import { startLocalServer, withServerOptions, type LocalServerFlags } from './server.js';

export function registerDev(program: Command): void {
  withServerOptions(program.command('dev').description('Run a local Temporal dev server and an Epochal worker together'))
    .option('--artifact-root <dir>', 'default folder for run artifacts', defaultArtifactRoot())
    .action(async (flags: LocalServerFlags & { artifactRoot: string }) => {
      setTemporalLogLevel('WARN');
      const server = await startLocalServer(flags);
      if (!server) return;
      try {
        const { connection, namespace } = await connectWorker({ address: server.address, namespace: server.namespace });
        try {
          const workers = await createEpochalWorkers({ connection, namespace, artifactRoot: flags.artifactRoot });
          print.ok('Worker polling task queues "epochal" and "epochal-gpu".');
          printWorkerSettings(workers);
          await printBackend();
          print.info('Start a run in another terminal:');
          print.field('epochal', `TEMPORAL_ADDRESS=${server.address} npx epochal train configs/sleepnet-small/train_params.json`);
          print.info('Ctrl-C stops the worker and the server.');
          await runSayingPromotion(workers); // returns once Ctrl-C (SIGINT/SIGTERM) has drained the workers
        } finally {
          await connection.close();
        }
      } finally {
        await server.stop();
      }
    });
}
