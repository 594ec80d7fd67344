/**
 * The Temporal server of a local production-shaped topology: its schemas set
 * up in PostgreSQL with the SQL schema tool, then the server binary (all four
 * services in one process) started from a generated config, and waited for
 * until its frontend answers.
 */
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { TopologyBinaries } from './binaries.js';
import { runLogged, startLoggedProcess, waitUntil } from './logged-process.js';
import { chooseTemporalPorts, writeServerConfig, type SqlStores } from './server-config.js';

/** The embedded schemas of the postgres12 plugin (`sql update-schema --schema-name`), for the history and visibility databases. */
export const SCHEMAS = { history: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;

export interface SetupSchemaOptions {
  sqlTool: string;
  sql: SqlStores;
  /** Where the tool's output goes. */
  logFile: string;
}

/**
 * Creates the versioning tables (version 0.0) in both databases, then
 * upgrades each to the newest schema the tool embeds; the two databases at once.
 */
export async function setupTemporalSchema(options: SetupSchemaOptions): Promise<void> {
  const { sql } = options;
  const run = (database: string, args: string[]) =>
    runLogged({
      title: 'the Temporal SQL schema tool',
      command: options.sqlTool,
      args: ['--plugin', 'postgres12', ...args],
      logFile: options.logFile,
      // Connection settings as the tool's environment variables, so the password stays off the process list.
      env: { ...process.env, SQL_HOST: sql.host, SQL_PORT: String(sql.port), SQL_USER: sql.user, SQL_PASSWORD: sql.password, SQL_DATABASE: database },
    });
  await Promise.all(
    [
      [sql.database, SCHEMAS.history],
      [sql.visibilityDatabase, SCHEMAS.visibility],
    ].map(async ([database, schema]) => {
      await run(database!, ['setup-schema', '-v', '0.0']);
      await run(database!, ['update-schema', '--schema-name', schema!]);
    }),
  );
}

export interface StartTemporalServerOptions {
  binaries: Pick<TopologyBinaries, 'server'>;
  sql: SqlStores;
  /** The folder for its config files and its log (`temporal-server.log`). */
  dir: string;
  /** How long to wait for the frontend to answer (default 120 s). */
  startTimeoutMs?: number;
}

/** A running Temporal server. */
export interface TemporalServerProcess {
  /** The frontend's gRPC address, `127.0.0.1:<port>`. */
  address: string;
  /** The frontend's HTTP API, `http://127.0.0.1:<port>`. */
  httpUrl: string;
  logFile: string;
  /** Stops every service and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts the server on an existing schema and waits until its frontend answers `GetSystemInfo`. */
export async function startTemporalServer(options: StartTemporalServerOptions): Promise<TemporalServerProcess> {
  const ports = await chooseTemporalPorts();
  const configFile = await writeServerConfig({ dir: options.dir, sql: options.sql, ports });
  const logFile = join(options.dir, 'temporal-server.log');
  const server = startLoggedProcess({
    title: 'the Temporal server',
    command: options.binaries.server,
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    logFile,
    cwd: options.dir,
  });
  const address = `127.0.0.1:${ports.services.frontend.grpcPort}`;
  const stop = () => server.stop('SIGTERM', 20_000);
  try {
    await waitUntil(() => answers(address), { process: server, what: `the Temporal frontend to answer on ${address}`, timeoutMs: options.startTimeoutMs ?? 120_000, intervalMs: 250 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, httpUrl: `http://127.0.0.1:${ports.httpPort}`, logFile, stop };
}

/** Whether a Temporal frontend at `address` answers `GetSystemInfo` within about a second. */
async function answers(address: string): Promise<boolean> {
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect({ address });
    const client = connection;
    await client.withDeadline(Date.now() + 1_000, () => client.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}
