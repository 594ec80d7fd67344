/** The `epochal` command line. */
import { Command, CommanderError } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerControl } from './commands/control.js';
import { registerData } from './commands/data.js';
import { registerDev } from './commands/dev.js';
import { registerInspect } from './commands/inspect.js';
import { registerProvision } from './commands/provision.js';
import { registerSchema } from './commands/schema.js';
import { registerServer } from './commands/server.js';
import { registerInfer } from './commands/infer.js';
import { registerChampion } from './commands/champion.js';
import { registerCodec } from './commands/codec.js';
import { registerRuns } from './commands/runs.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrain } from './commands/train.js';
import { registerValidate } from './commands/validate.js';
import { registerWeights } from './commands/weights.js';
import { registerWorker } from './commands/worker.js';
import { clusterConfig } from '../temporal/connection.js';
import { EXIT, EXIT_CODES_HELP, formatReport, reportError, type ClusterInfo } from './failures.js';
import { clusterOptions, fieldLine, print } from './shared.js';

const program = new Command('epochal')
  .description('Model architectures and training pipelines as code, run as durable Temporal workflows.')
  .showHelpAfterError()
  .addHelpText('after', EXIT_CODES_HELP)
  // Usage errors throw (CommanderError) instead of exiting, so they get the usage exit code below.
  .exitOverride();

/** The command whose action is running, to say which cluster it was talking to when it fails. */
let running: Command | undefined;
program.hook('preAction', (_program, action) => {
  running = action;
});

for (const register of [
  registerValidate,
  registerSchema,
  registerInspect,
  registerWeights,
  registerData,
  registerServer,
  registerWorker,
  registerTrain,
  registerSweep,
  registerInfer,
  registerSchedule,
  registerRuns,
  registerChampion,
  registerControl,
  registerDev,
  registerDemo,
  registerProvision,
  registerCodec,
]) {
  register(program);
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander has printed the problem and the usage
  } else {
    const report = reportError(error, cluster(running));
    print.fail(report.headline);
    for (const line of formatReport(report, fieldLine)) console.error(line);
    process.exitCode = report.exitCode;
  }
}

/** The cluster a command's flags (and the environment) point at. */
function cluster(command: Command | undefined): ClusterInfo | undefined {
  try {
    const flags = (command?.opts() ?? {}) as { address?: string; namespace?: string };
    const { address, namespace } = clusterConfig(clusterOptions(flags));
    const addressFrom = flags.address
      ? 'from --address'
      : process.env.TEMPORAL_ADDRESS
        ? 'from TEMPORAL_ADDRESS'
        : address === 'localhost:7233'
          ? 'the default; no --address, TEMPORAL_ADDRESS or profile sets one'
          : 'from a Temporal profile (TEMPORAL_PROFILE, temporal.toml)';
    return { address, addressFrom, namespace };
  } catch {
    return undefined;
  }
}
