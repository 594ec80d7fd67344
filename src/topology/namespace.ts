/**
 * A namespace on a fresh Temporal cluster, made ready for Epochal: registered,
 * given Epochal's search attributes (the SQL visibility store keeps them per
 * namespace), and waited for until the services that cache namespaces know
 * it and visibility answers a query on those attributes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import proto from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { EXPERIMENT } from '../../workflows/search-attributes.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';

/** gRPC's status code for "already exists". */
const ALREADY_EXISTS = 6;

export interface PrepareNamespaceOptions {
  /** The frontend's gRPC address. */
  address: string;
  namespace: string;
  /** How long closed workflows are kept (default 1 day). */
  retentionDays?: number;
  /** How long to wait for the namespace to become usable (default 60 s). */
  timeoutMs?: number;
}

/** Registers `namespace` (an existing one is kept) with Epochal's search attributes, and waits until it is usable. */
export async function prepareNamespace(options: PrepareNamespaceOptions): Promise<void> {
  const { namespace } = options;
  const connection = await NativeConnection.connect({ address: options.address });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  // The frontend answers before history and matching have joined the cluster: each step is retried until then.
  const retry = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await connection.withDeadline(Date.now() + 5_000, step);
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`Namespace "${namespace}" on ${options.address} was not ready in time: ${what} kept failing (${String(error)}). See the Temporal server's log.`, { cause: error });
        }
        await sleep(250);
      }
    }
  };
  try {
    await retry('registering it', () => register(connection, namespace, options.retentionDays ?? 1));
    await retry('adding Epochal\'s search attributes', () => ensureSearchAttributes(connection, namespace));
    await retry('listing workflows by EpochalExperiment', () =>
      connection.workflowService.listWorkflowExecutions({ namespace, query: `${EXPERIMENT.name} = 'epochal-readiness-check'`, pageSize: 1 }),
    );
  } finally {
    await connection.close();
  }
}

async function register(connection: NativeConnection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: proto.google.protobuf.Duration.fromObject({ seconds: retentionDays * 86_400 }) });
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
  await connection.workflowService.describeNamespace({ namespace });
}
