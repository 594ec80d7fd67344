/**
 * A production-shaped Temporal cluster on one machine, without Docker: a
 * private PostgreSQL cluster, the Temporal server on it (history and
 * visibility in SQL), a namespace with Epochal's search attributes, and the
 * Web UI server. The services `docker-compose.yml` describes, started as
 * plain processes so tests and CI run them for real. Each process logs to
 * its own file in `dir`; a failed start says which and shows its log's end.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GoBuildOptions } from '../provision/go-binary.js';
import { provisionTopologyBinaries, type TopologyBinaries } from './binaries.js';
import { prepareNamespace } from './namespace.js';
import { startPostgres, type PostgresCluster } from './postgres.js';
import type { SqlStores } from './server-config.js';
import { setupTemporalSchema, startTemporalServer } from './temporal-server.js';
import { startUiServer } from './ui-server.js';

export interface ProductionTemporalOptions {
  /** The folder for configs and logs (one log per process); it must exist or be creatable. */
  dir: string;
  /** Progress messages: each component as it starts, builds as they go. */
  log?: (message: string) => void;
  /** The namespace to create (default "default"). */
  namespace?: string;
  /** The three binaries; built (or found) in the Epochal cache when absent. */
  binaries?: TopologyBinaries;
  /** How Go builds them when they must be built (cache folder, heartbeat). */
  build?: Omit<GoBuildOptions, 'log'>;
}

/** The components in start order, for timings. */
export type TopologyComponent = 'postgres' | 'schema' | 'temporal' | 'namespace' | 'ui';

/** A running topology. */
export interface ProductionTemporal {
  /** The Temporal frontend's gRPC address, for clients and workers. */
  address: string;
  namespace: string;
  /** The Web UI. */
  uiUrl: string;
  /** The PostgreSQL cluster holding history (`temporal`) and visibility (`temporal_visibility`). */
  postgres: PostgresCluster;
  /** How long each component took to start, in ms. */
  startupMs: Record<TopologyComponent, number>;
  /** Each process's log file. */
  logs: { postgres: string; schema: string; temporal: string; ui: string };
  /** Stops everything, last started first. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL, the schema, the Temporal server, the namespace and the UI, in that order. */
export async function startProductionTemporal(options: ProductionTemporalOptions): Promise<ProductionTemporal> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  await mkdir(options.dir, { recursive: true });
  const binaries = options.binaries ?? (await provisionTopologyBinaries({ ...options.build, log }));
  const logs = { postgres: join(options.dir, 'postgres.log'), schema: join(options.dir, 'sql-schema.log'), temporal: '', ui: '' };
  const startupMs = {} as Record<TopologyComponent, number>;
  const stops: Array<() => Promise<void>> = [];
  const stop = () => stopAll(stops);
  const timed = async <T>(component: TopologyComponent, what: string, start: () => Promise<T>): Promise<T> => {
    log(`Starting ${what}…`);
    const started = Date.now();
    const result = await start();
    startupMs[component] = Date.now() - started;
    log(`  ${what}: ready in ${(startupMs[component] / 1000).toFixed(1)} s`);
    return result;
  };

  try {
    const postgres = await timed('postgres', 'PostgreSQL', () => startPostgres({ logFile: logs.postgres, databases: ['temporal', 'temporal_visibility'] }));
    stops.push(postgres.stop);
    const { host, port, user, password } = postgres;
    const sql: SqlStores = { host, port, user, password, database: 'temporal', visibilityDatabase: 'temporal_visibility' };
    await timed('schema', 'the Temporal schema', () => setupTemporalSchema({ sqlTool: binaries.sqlTool, sql, logFile: logs.schema }));
    const server = await timed('temporal', 'the Temporal server', () => startTemporalServer({ binaries, sql, dir: options.dir }));
    stops.push(server.stop);
    logs.temporal = server.logFile;
    await timed('namespace', `namespace "${namespace}"`, () => prepareNamespace({ address: server.address, namespace }));
    const ui = await timed('ui', 'the Temporal UI', () => startUiServer({ binary: binaries.uiServer, temporalAddress: server.address, namespace, dir: options.dir }));
    stops.push(ui.stop);
    logs.ui = ui.logFile;
    return { address: server.address, namespace, uiUrl: ui.url, postgres, startupMs, logs, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Runs every stop, last first, even when one fails; then fails with the first failure. */
async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  const failures: unknown[] = [];
  while (stops.length > 0) {
    const next = stops.pop()!;
    await next().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, `Stopping the topology failed: ${failures.map(String).join('; ')}`);
}
