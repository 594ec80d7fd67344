/**
 * `epochal demo` (`npm run demo`): the main job on an embedded default. Starts
 * a local Temporal dev server (or uses one already on the port), a worker, and
 * runs the SleepNet sample through every pipeline stage built so far. The
 * run's Web UI link comes at the end, with how to bring the server back when
 * the demo's own server stops with it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { loadTrainConfig } from '../../config/load.js';
import { connectClient, connectWorker, workflowUiUrl } from '../../temporal/connection.js';
import { isServing, localUiUrl, type DevServer } from '../../temporal/dev-server.js';
import { startTrainingPipeline } from '../../temporal/start.js';
import { createEpochalWorkers, defaultArtifactRoot } from '../../temporal/worker.js';
import { setTemporalLogLevel } from '../../temporal/logging.js';
import { print, untilInterrupted } from '../shared.js';
import { DEFAULT_PORT, serverCommand, startLocalServer, withServerOptions, type LocalServerFlags } from './server.js';
import { followProgress } from '../progress.js';
import { printResult } from './train.js';
import { PACKAGE_ROOT } from '../../package.js';

/** The demo's job: SleepNet at a size a laptop CPU trains in minutes (configs/sleepnet is the full reference). */
const SAMPLE = join(PACKAGE_ROOT, 'configs', 'sleepnet-small', 'train_params.json');

interface DemoFlags extends LocalServerFlags {
  config: string;
  keep?: boolean;
  artifactRoot: string;
}

export function registerDemo(program: Command): void {
  withServerOptions(program.command('demo').description('Run the SleepNet sample end to end on a local Temporal server'))
    .option('--config <train_params>', 'train_params.json to run', SAMPLE)
    .option('--artifact-root <dir>', 'folder for run artifacts', defaultArtifactRoot())
    .option('--keep', 'keep the server running afterwards, to browse the run in the Web UI')
    .action(async (flags: DemoFlags) => {
      setTemporalLogLevel('WARN');
      const config = await loadTrainConfig(flags.config);
      const existing = `${flags.ip}:${flags.port ?? DEFAULT_PORT}`;
      let server: DevServer | undefined;
      if (await isServing(existing)) {
        print.ok(`Using the Temporal server already on ${existing}`);
      } else {
        server = await startLocalServer(flags, { printUi: false });
        if (!server) return;
      }
      const address = server?.address ?? existing;
      const { connection, namespace } = await connectWorker({ address });
      const client = await connectClient({ address });
      try {
        // Task queues of its own, so this process's workers (this code) run the demo.
        const taskQueue = `epochal-demo-${randomBytes(3).toString('hex')}`;
        const trainingTaskQueue = `${taskQueue}-training`;
        const workers = await createEpochalWorkers({ connection, namespace, taskQueue, trainingTaskQueue, artifactRoot: flags.artifactRoot });
        const run = await startTrainingPipeline(client, { trainParams: flags.config, config, taskQueue, trainingTaskQueue });
        print.ok(`Started trainingPipeline ${run.workflowId}`);
        const result = await workers.runUntil(followProgress(run.handle));
        printResult(result);
        const modelDir = result.exported.model.path.replace(/[\\/]model\.json$/, '');
        const inferParams = join(dirname(flags.config), 'infer_params.json');
        print.info(`Next: make it the champion: \`npx epochal champion promote ${config.train.experiment} ${modelDir} --reason "demo"\``);
        if (existsSync(inferParams)) print.info(`then, with \`npx epochal dev\` running, score new data with it: \`npx epochal infer ${relative(process.cwd(), inferParams)} --wait\``);
        const cluster = { address, namespace };
        if (!server) {
          print.field('Web UI', workflowUiUrl(run.workflowId, { ...cluster, ...(flags.uiPort ? { uiUrl: localUiUrl(flags.ip, flags.uiPort) } : {}) }));
        } else if (flags.keep) {
          if (server.uiUrl) print.field('Web UI', workflowUiUrl(run.workflowId, { ...cluster, uiUrl: server.uiUrl }));
          print.info('The server keeps running, to browse the run; Ctrl-C stops it.');
          await untilInterrupted();
        } else {
          // The link is dead once the demo's server stops: say how to bring it back, history and all.
          print.info(`The demo's server stops now; the run's history is kept in ${flags.db}. To browse the run, start the server again:`);
          print.field('server', serverCommand(server, flags));
          print.field('Web UI', workflowUiUrl(run.workflowId, { ...cluster, uiUrl: localUiUrl(flags.ip, server.uiPort ?? server.port + 1000) }));
        }
      } finally {
        await client.connection.close();
        await connection.close();
        await server?.stop();
      }
    });
}
