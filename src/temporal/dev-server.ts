/**
 * A local Temporal dev server (the Temporal CLI's `server start-dev`) with
 * Epochal's search attributes registered and, by default, the Web UI on.
 * Started from a CLI binary found by `cli-binary.ts`, or, when there is none,
 * through the Temporal SDK's own download.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import getPort from 'get-port';
import { EPOCHAL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { searchAttributeFlags } from './search-attributes.js';
import { defaultCacheDir } from '../cache-dir.js';
import { findTemporalCli, type TemporalCli } from './cli-binary.js';
import { describePortHolder, PortTakenError } from '../errors.js';

export interface DevServerOptions {
  /** The CLI to run; found with `findTemporalCli` when absent, falling back to the SDK download. */
  cli?: TemporalCli;
  /** Interface to bind (default 127.0.0.1). */
  ip?: string;
  /** gRPC port; the start fails with a `PortTakenError` when it is taken (default: `preferredPort`, else a free port). */
  port?: number;
  /** gRPC port to use when `port` is absent and it is free; when taken, a free port is used and `log` says which. */
  preferredPort?: number;
  /** Serve the Web UI (default true). */
  ui?: boolean;
  /** Web UI port; the start fails with a `PortTakenError` when it is taken (default: port + 1000 when free, else a free port, said through `log`). */
  uiPort?: number;
  /** SQLite file to keep workflow history across restarts; in memory when absent. */
  dbFile?: string;
  /** Namespace to create (default "default"). */
  namespace?: string;
  /** File for the server's own log (default: discarded unless the server fails to start). */
  logFile?: string;
  /** How long to wait for the server to answer (default 60 s; a cold SQLite start can take a while). */
  startTimeoutMs?: number;
  /** Progress messages. */
  log?: (message: string) => void;
  /** Server dynamic config values (`--dynamic-config-value KEY=JSON`), such as a test suite's higher limits. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

/** A running dev server. */
export interface DevServer {
  /** gRPC address clients and workers connect to, `host:port`. */
  address: string;
  /** The gRPC port of `address`. */
  port: number;
  namespace: string;
  /** The Web UI's port, when the UI is on. */
  uiPort?: number;
  /** Web UI base address, when the UI is on. */
  uiUrl?: string;
  /** Which binary runs it: a CLI path, or "sdk-download". */
  runtime: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a dev server and waits until it serves the namespace. Its ports are
 * checked first: one asked for that is taken fails with a `PortTakenError`;
 * a preferred one that is taken is replaced by a free one, said through `log`.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ports = await choosePorts(options);
  const cli = options.cli ?? (await findTemporalCli({ ...(options.log ? { log: options.log } : {}) }));
  return cli ? startFromCli(cli, ports, options) : startFromSdkDownload(ports, options);
}

interface Ports {
  port: number;
  /** Absent when the UI is off. */
  uiPort?: number;
}

async function choosePorts(options: DevServerOptions): Promise<Ports> {
  const ip = options.ip ?? '127.0.0.1';
  const port = await choosePort(ip, 'frontend', options.port, options.preferredPort, [], options.log);
  if (options.ui === false) return { port };
  const uiPort = await choosePort(ip, 'ui', options.uiPort, port + 1000 <= 65_535 ? port + 1000 : undefined, [port], options.log);
  return { port, uiPort };
}

/** `exact` when free (else a `PortTakenError`); else `preferred` when free (else a free port, said); else a free port. */
async function choosePort(
  ip: string,
  role: 'frontend' | 'ui',
  exact: number | undefined,
  preferred: number | undefined,
  exclude: number[],
  log?: (message: string) => void,
): Promise<number> {
  if (exact !== undefined) {
    if (await isPortFree(ip, exact)) return exact;
    throw new PortTakenError(role, ip, exact, role === 'frontend' ? await temporalVersionOn(ip, exact) : undefined);
  }
  if (preferred !== undefined && !exclude.includes(preferred)) {
    if (await isPortFree(ip, preferred)) return preferred;
    const free = await getPort({ host: ip, exclude: [...exclude, preferred] });
    const holder = describePortHolder(ip, preferred, role === 'frontend' ? await temporalVersionOn(ip, preferred) : undefined);
    log?.(`${role === 'ui' ? 'Web UI' : 'gRPC'} port ${preferred} is taken (${holder}): using ${ip}:${free} instead.`);
    return free;
  }
  return getPort({ host: ip, exclude });
}

/** Whether this process could listen on `ip:port` now (the server would bind it the same way). */
function isPortFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    probe.listen({ host: ip, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The version of the Temporal server answering on `ip:port`, or undefined when none answers within about a second. */
async function temporalVersionOn(ip: string, port: number): Promise<string | undefined> {
  const host = reachableHost(ip);
  try {
    const connection = await Connection.connect({ address: `${host}:${port}`, connectTimeout: 1_000 });
    try {
      const info = await connection.withDeadline(Date.now() + 1_000, () => connection.workflowService.getSystemInfo({}));
      return info.serverVersion || 'version unknown';
    } finally {
      await connection.close();
    }
  } catch {
    return undefined;
  }
}

async function startFromCli(cli: TemporalCli, { port, uiPort }: Ports, options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  if (options.dbFile) await keepPrivate(options.dbFile);
  if (options.logFile) await keepPrivate(options.logFile);

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...searchAttributeFlags(),
    ...dynamicConfigFlags(options.dynamicConfig),
  ];
  const child = withPrivateFiles(() => spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = captureOutput(child, options.logFile);
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, namespace, child, output, options.startTimeoutMs ?? 60_000, options.logFile);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', stopOnExit);
    throw error;
  }
  return {
    address,
    port,
    namespace,
    ...(uiPort ? { uiPort, uiUrl: localUiUrl(ip, uiPort) } : {}),
    runtime: cli.path,
    stop: async () => {
      process.off('exit', stopOnExit);
      await stopChild(child);
    },
  };
}

async function startFromSdkDownload({ port, uiPort }: Ports, options: DevServerOptions): Promise<DevServer> {
  options.log?.('No Temporal CLI found and no Go to build one: using the Temporal SDK download (needs internet).');
  const namespace = options.namespace ?? 'default';
  const ip = options.ip ?? '127.0.0.1';
  if (options.dbFile) await keepPrivate(options.dbFile);
  const env = await withPrivateFiles(() => TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: join(defaultCacheDir(), 'sdk-download') },
      ip,
      namespace,
      ui: uiPort !== undefined,
      port,
      ...(uiPort ? { uiPort } : {}),
      ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
      searchAttributes: [...EPOCHAL_SEARCH_ATTRIBUTES],
      extraArgs: dynamicConfigFlags(options.dynamicConfig),
    },
  }));
  return {
    address: env.address,
    port,
    namespace,
    ...(uiPort ? { uiPort, uiUrl: localUiUrl(ip, uiPort) } : {}),
    runtime: 'sdk-download',
    stop: () => env.teardown(),
  };
}

/** Whether a Temporal server at `address` answers for `namespace` now. */
export async function isServing(address: string, namespace = 'default'): Promise<boolean> {
  try {
    await describeNamespace(address, namespace);
    return true;
  } catch {
    return false;
  }
}

async function describeNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

/**
 * Polls until the server answers for `namespace`, and counts an answer only
 * while the child still runs: a server that exits (its port taken after all)
 * fails the start with the end of its log, rather than letting whoever holds
 * the port pass for it.
 */
async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    // No server answers at once; the pause also lets one that cannot bind exit before anything is asked.
    await sleep(250);
    if (hasExited(child)) throw exitedEarly(address, child, output, logFile);
    try {
      await describeNamespace(address, namespace);
    } catch (error) {
      lastError = error;
      continue;
    }
    if (hasExited(child)) throw exitedEarly(address, child, output, logFile);
    return;
  }
  throw new Error(
    `The Temporal dev server at ${address} did not answer within ${timeoutMs / 1000} s (${String(lastError)}). The end of its log${logFile ? ` (${logFile})` : ''}:\n${lastLines(output())}`,
  );
}

/** Where this machine reaches a server bound to `ip` (all interfaces: the loopback). */
function reachableHost(ip: string): string {
  return ip === '0.0.0.0' ? '127.0.0.1' : ip;
}

/** Where a local Web UI bound to `ip:port` is reached from this machine. */
export function localUiUrl(ip: string, port: number): string {
  return `http://${reachableHost(ip)}:${port}`;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitedEarly(address: string, child: ChildProcess, output: () => string, logFile?: string): Error {
  return new Error(
    `The Temporal dev server for ${address} exited (${child.exitCode ?? child.signalCode}) before serving. The end of its log${logFile ? ` (${logFile})` : ''}:\n${lastLines(output())}`,
  );
}

function lastLines(text: string, count = 20): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * Workflow history holds configs, paths and metrics: the server's database
 * and log are its owner's only. An existing file is narrowed to 0600; a new
 * one is created so by the server itself, started with umask 077 (SQLite
 * gives its journal files the database's mode).
 */
async function keepPrivate(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await chmod(file, 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Runs `start` (which spawns the server) with umask 077, so the files the
 * server creates are its owner's only; for an asynchronous start, until it settles.
 */
function withPrivateFiles<T>(start: () => T): T {
  const previous = process.umask(0o077);
  let result: T;
  try {
    result = start();
  } catch (error) {
    process.umask(previous);
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => process.umask(previous)) as T;
  process.umask(previous);
  return result;
}

/** Keeps the last lines of the server's output for error messages, and copies it to `logFile`. */
function captureOutput(child: ChildProcess, logFile?: string): () => string {
  let tail = '';
  const file = logFile ? createWriteStream(logFile, { flags: 'a', mode: 0o600 }) : undefined;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
    file?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => file?.end());
  return () => tail;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

function dynamicConfigFlags(values: DevServerOptions['dynamicConfig'] = {}): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}
