/**
 * Which Temporal cluster to talk to. An explicit address wins; otherwise the
 * Temporal SDK's environment configuration decides: `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, TLS settings and named profiles
 * (`TEMPORAL_PROFILE`, `temporal.toml`), as the `temporal` CLI reads them.
 */
import { Client, Connection, type ClientPlugin } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { epochalClientPlugin } from './client-plugin.js';

/** The default orchestration task queue: validation, data preparation and model building run here. */
export const ORCHESTRATION_TASK_QUEUE = 'epochal';

export interface ClusterOptions {
  /** `host:port`; overrides the environment. */
  address?: string;
  /** Overrides the environment; "default" when neither sets it. */
  namespace?: string;
}

/** The resolved connection settings for a cluster. */
export function clusterConfig(options: ClusterOptions = {}) {
  const fromEnv = loadClientConnectConfig();
  const connectionOptions = {
    ...fromEnv.connectionOptions,
    ...(options.address ? { address: options.address } : {}),
  };
  return {
    connectionOptions,
    address: connectionOptions.address ?? 'localhost:7233',
    namespace: options.namespace ?? fromEnv.namespace ?? 'default',
  };
}

/** A client for starting and watching workflows, made with Epochal's client plugin and `plugins`. Close `client.connection` when done. */
export async function connectClient(options: ClusterOptions & { plugins?: ClientPlugin[] } = {}): Promise<Client> {
  const { connectionOptions, namespace } = clusterConfig(options);
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace, plugins: [await epochalClientPlugin(), ...(options.plugins ?? [])] });
}

/** A native connection for workers. */
export async function connectWorker(options: ClusterOptions = {}): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = clusterConfig(options);
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}

/**
 * The Temporal Web UI link of a workflow. `TEMPORAL_UI_URL` sets the UI base;
 * otherwise a local dev server's UI is assumed at the gRPC port + 1000.
 */
export function workflowUiUrl(workflowId: string, options: { address: string; namespace: string; uiUrl?: string }): string {
  const base = options.uiUrl ?? process.env.TEMPORAL_UI_URL ?? guessUiBase(options.address);
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function guessUiBase(address: string): string {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) return `http://${address}`;
  return `http://${match[1]}:${Number(match[2]) + 1000}`;
}
