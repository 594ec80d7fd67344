/**
 * The Temporal server's configuration for a local production-shaped
 * topology, in the shape of upstream `config/development-postgres12.yaml`:
 * PostgreSQL for history and visibility, all four services in one process on
 * 127.0.0.1 (each on free ports), a few history shards, no archival, no
 * metrics or pprof listeners, and a dynamic config file. Written as JSON,
 * which the server's YAML loader reads as it is.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import getPort, { portNumbers } from 'get-port';

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type Service = (typeof TEMPORAL_SERVICES)[number];

/** Every port the server listens on. */
export interface TemporalPorts {
  /** gRPC and membership (ringpop) ports of each service. */
  services: Record<Service, { grpcPort: number; membershipPort: number }>;
  /** The frontend's HTTP API. */
  httpPort: number;
}

/**
 * The range ports are chosen from. The SQL stores keep a service's membership
 * port in a SMALLINT column, so ports above 32767 fail the server's start;
 * below 32768 they also never meet Linux's ephemeral (outgoing) ports.
 */
const PORT_RANGE = { from: 10_000, to: 32_767 };

/** Free ports on 127.0.0.1 for every listener, none of them shared, all in `PORT_RANGE`. */
export async function chooseTemporalPorts(): Promise<TemporalPorts> {
  const taken: number[] = [];
  // A random start, so topologies started at once (parallel tests) rarely race for the same port.
  const start = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from - 1_000));
  const free = async () => {
    const port = await getPort({ host: '127.0.0.1', port: portNumbers(start, PORT_RANGE.to), exclude: taken });
    if (port > PORT_RANGE.to) throw new Error(`No free port on 127.0.0.1 between ${start} and ${PORT_RANGE.to} for the Temporal server (got ${port}): free some, or stop other topologies.`);
    taken.push(port);
    return port;
  };
  const services = {} as TemporalPorts['services'];
  for (const service of TEMPORAL_SERVICES) services[service] = { grpcPort: await free(), membershipPort: await free() };
  return { services, httpPort: await free() };
}

/** Where the server's SQL stores are and how to log in. */
export interface SqlStores {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The history (default store) database. */
  database: string;
  visibilityDatabase: string;
}

export interface ServerConfigOptions {
  /** The folder to write `temporal.yaml` and `dynamic-config.yaml` into. */
  dir: string;
  sql: SqlStores;
  ports: TemporalPorts;
  /** History shards (default 4: enough for one machine; fixed for the life of the database). */
  numHistoryShards?: number;
  /** The server's log level (default "warn"). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Dynamic config: what Epochal relies on, said explicitly although v1.32
 * enables updates by default, and the dev server's search attribute
 * settings (see `src/temporal/dev-server.ts`, via the Temporal CLI), so a
 * search attribute registered at start is usable at once.
 */
export const TOPOLOGY_DYNAMIC_CONFIG: Record<string, unknown> = {
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
  'frontend.enableSchedules': true,
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  // With the search attribute cache bypassed, the persistence rate limits go up as the CLI dev server's do.
  'frontend.persistenceMaxQPS': 10_000,
  'history.persistenceMaxQPS': 45_000,
  'frontend.namespaceRPS.visibility': 100,
  'limit.maxIDLength': 255,
};

/** Writes the server's config and dynamic config; returns the config file's path. */
export async function writeServerConfig(options: ServerConfigOptions): Promise<string> {
  const dynamicConfigFile = join(options.dir, 'dynamic-config.yaml');
  const dynamicConfig = Object.fromEntries(Object.entries(TOPOLOGY_DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value, constraints: {} }]]));
  await writeFile(dynamicConfigFile, JSON.stringify(dynamicConfig, null, 2));
  const configFile = join(options.dir, 'temporal.yaml');
  await writeFile(configFile, JSON.stringify(serverConfig(options, dynamicConfigFile), null, 2), { mode: 0o600 });
  return configFile;
}

function serverConfig(options: ServerConfigOptions, dynamicConfigFile: string) {
  const { sql, ports } = options;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${sql.host}:${sql.port}`,
      connectProtocol: 'tcp',
      user: sql.user,
      password: sql.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const frontend = `127.0.0.1:${ports.services.frontend.grpcPort}`;
  return {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.numHistoryShards ?? 4,
      datastores: { 'postgres-default': store(sql.database, 10), 'postgres-visibility': store(sql.visibilityDatabase, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => [
        service,
        { rpc: { ...ports.services[service], bindOnLocalHost: true, ...(service === 'frontend' ? { httpPort: ports.httpPort } : {}) } },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}
