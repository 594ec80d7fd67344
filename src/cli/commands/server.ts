/** `epochal server`: a local Temporal dev server with the Web UI, history kept in `.epochal/`. */
import { InvalidArgumentError, type Command } from 'commander';
import { PortTakenError } from '../../errors.js';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { print, untilInterrupted } from '../shared.js';

/** The gRPC port a local server takes when `--port` is not given and it is free (Temporal's own default). */
export const DEFAULT_PORT = 7233;
/** Where a local server keeps workflow history unless `--db` says otherwise. */
export const DEFAULT_DB = '.epochal/temporal.db';
const DEFAULT_IP = '127.0.0.1';

export interface LocalServerFlags {
  ip: string;
  /** `--port`: the gRPC port, which must be free; absent: 7233 when free, else a free port. */
  port?: number;
  /** `--ui-port`: the Web UI port, which must be free; absent: the gRPC port + 1000 when free, else a free port. */
  uiPort?: number;
  db: string;
  headless?: boolean;
}

/** Adds the flags of a local dev server (shared by `server`, `dev` and `demo`). */
export function withServerOptions(command: Command): Command {
  return command
    .option('--ip <ip>', 'interface to bind', DEFAULT_IP)
    .option('--port <port>', `gRPC port, which must be free (default: ${DEFAULT_PORT}, or a free port when that is taken)`, portArgument('--port'))
    .option('--ui-port <port>', 'Web UI port, which must be free (default: the gRPC port + 1000, or a free port when that is taken)', portArgument('--ui-port'))
    .option('--db <file>', 'SQLite file that keeps workflow history across restarts', DEFAULT_DB)
    .option('--headless', 'no Web UI');
}

function portArgument(flag: string): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new InvalidArgumentError(`Expected ${flag} to be an integer from 1 to 65535, but got "${value}".`);
    }
    return port;
  };
}

/**
 * Starts the dev server the flags describe and prints where it is, once it
 * answers there (the Web UI address too, unless `printUi` is false: the demo
 * gives its run's link at the end instead). A port given with a flag that is
 * taken is reported, with who holds it and the fix, and gives undefined (exit
 * code 1): nothing started.
 */
export async function startLocalServer(flags: LocalServerFlags, { printUi = true } = {}): Promise<DevServer | undefined> {
  let server: DevServer;
  try {
    server = await startDevServer({
      ip: flags.ip,
      ...(flags.port ? { port: flags.port } : { preferredPort: DEFAULT_PORT }),
      ui: !flags.headless,
      ...(flags.uiPort ? { uiPort: flags.uiPort } : {}),
      dbFile: flags.db,
      logFile: `${flags.db}.log`,
      log: print.info,
    });
  } catch (error) {
    if (!(error instanceof PortTakenError)) throw error;
    print.fail(portTakenMessage(error));
    process.exitCode = 1;
    return undefined;
  }
  print.ok(`Temporal dev server on ${server.address} (namespace ${server.namespace}, ${server.runtime})`);
  if (server.uiUrl && printUi) print.field('Web UI', server.uiUrl);
  print.field('history', flags.db);
  return server;
}

/** What is taken, by whom, and the flags that get around it. */
export function portTakenMessage(error: PortTakenError): string {
  if (error.role === 'ui') {
    return `${error.message} Pick a free one with --ui-port <free port> (or leave --ui-port out to get one), stop that process, or run without the Web UI (--headless).`;
  }
  const alternatives = error.temporalVersion
    ? `Stop that server, use it (TEMPORAL_ADDRESS=${error.ip}:${error.port} npx epochal worker), or`
    : 'Stop that process, or';
  return `${error.message} ${alternatives} pick a free port with --port <free port> (or leave --port out to get one).`;
}

/** The `epochal server` command that brings a server with these ports and history back (flags left at their defaults are left out). */
export function serverCommand(server: Pick<DevServer, 'port' | 'uiPort'>, flags: Pick<LocalServerFlags, 'ip' | 'db'>): string {
  const uiPort = server.uiPort ?? server.port + 1000;
  return [
    'npx epochal server',
    ...(flags.ip !== DEFAULT_IP ? [`--ip ${flags.ip}`] : []),
    ...(server.port !== DEFAULT_PORT ? [`--port ${server.port}`] : []),
    ...(uiPort !== server.port + 1000 ? [`--ui-port ${uiPort}`] : []),
    ...(flags.db !== DEFAULT_DB ? [`--db ${flags.db}`] : []),
  ].join(' ');
}

export function registerServer(program: Command): void {
  withServerOptions(
    program.command('server').description('Start a local Temporal dev server (Web UI on, Epochal search attributes registered)'),
  ).action(async (flags: LocalServerFlags) => {
    const server = await startLocalServer(flags);
    if (!server) return;
    print.field('connect', `TEMPORAL_ADDRESS=${server.address} npx epochal worker`);
    print.info('Ctrl-C stops it.');
    await untilInterrupted();
    await server.stop();
  });
}
