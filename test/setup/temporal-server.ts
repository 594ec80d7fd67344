/**
 * Vitest global setup: one real Temporal dev server for the whole suite, on
 * free ports, with Epochal's search attributes; and the workflows bundled once,
 * so each integration test's worker starts in well under a second.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec/data-converter.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { WORKFLOWS_PATH } from '../../src/temporal/worker.js';

export interface SuiteTemporal {
  address: string;
  namespace: string;
  /** The Temporal CLI binary running the server; undefined when the SDK download runs it. */
  cliPath?: string;
  workflowBundlePath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporal: SuiteTemporal;
  }
}

export default async function setup(project: TestProject) {
  const scratch = await mkdtemp(join(tmpdir(), 'epochal-suite-'));
  const cli = await findTemporalCli({ log: (message) => console.log(`[temporal] ${message}`) });
  const server = await startDevServer({
    ...(cli ? { cli } : {}),
    ui: false,
    logFile: join(scratch, 'temporal-server.log'),
    // Every test's workers poll task queues of their own, all in one Worker Deployment version (Epochal's build):
    // hundreds of queues, where a server allows 100 per version and deployment unless told otherwise.
    dynamicConfig: { 'matching.maxTaskQueuesInDeploymentVersion': 100_000, 'matching.maxTaskQueuesInDeployment': 100_000 },
  });
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger });
  const workflowBundlePath = join(scratch, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, code);
  project.provide('temporal', {
    address: server.address,
    namespace: server.namespace,
    ...(cli ? { cliPath: cli.path } : {}),
    workflowBundlePath,
  });
  return async () => {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
