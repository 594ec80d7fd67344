/** The `epochal` command line. */
import { Command } from 'commander';
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
import { registerSchedule } from './commands/schedule.js';
import { registerTrain } from './commands/train.js';
import { registerValidate } from './commands/validate.js';
import { registerWorker } from './commands/worker.js';
import { print } from './shared.js';

const program = new Command('epochal')
  .description('Model architectures and training pipelines as code, run as durable Temporal workflows.')
  .showHelpAfterError();

for (const register of [
  registerValidate,
  registerSchema,
  registerInspect,
  registerData,
  registerServer,
  registerWorker,
  registerTrain,
  registerInfer,
  registerSchedule,
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
  print.fail(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
