/** `epochal server`: a local Temporal dev server with the Web UI, history kept in `.epochal/`. */
import type { Command } from 'commander';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { print, untilInterrupted } from '../shared.js';

export interface LocalServerFlags {
  ip: string;
  port: string;
  uiPort: string;
  db: string;
  headless?: boolean;
}

/** Adds the flags of a local dev server (shared by `server`, `dev` and `demo`). */
export function withServerOptions(command: Command): Command {
  return command
    .option('--ip <ip>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--db <file>', 'SQLite file that keeps workflow history across restarts', '.epochal/temporal.db')
    .option('--headless', 'no Web UI');
}

/** Starts the dev server the flags describe and prints where it is. */
export async function startLocalServer(flags: LocalServerFlags): Promise<DevServer> {
  const server = await startDevServer({
    ip: flags.ip,
    port: Number(flags.port),
    ui: !flags.headless,
    uiPort: Number(flags.uiPort),
    dbFile: flags.db,
    logFile: `${flags.db}.log`,
    log: print.info,
  });
  print.ok(`Temporal dev server on ${server.address} (namespace ${server.namespace}, ${server.runtime})`);
  if (server.uiUrl) print.field('Web UI', server.uiUrl);
  print.field('history', flags.db);
  return server;
}

export function registerServer(program: Command): void {
  withServerOptions(
    program.command('server').description('Start a local Temporal dev server (Web UI on, Epochal search attributes registered)'),
  ).action(async (flags: LocalServerFlags) => {
    const server = await startLocalServer(flags);
    print.field('connect', `TEMPORAL_ADDRESS=${server.address} npx epochal worker`);
    print.info('Ctrl-C stops it.');
    await untilInterrupted();
    await server.stop();
  });
}
