/**
 * A local Temporal dev server (the Temporal CLI's `server start-dev`) with
 * Epochal's search attributes registered and, by default, the Web UI on.
 * Started from a CLI binary found by `cli-binary.ts`, or, when there is none,
 * through the Temporal SDK's own download.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import getPort from 'get-port';
import { EPOCHAL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { searchAttributeFlags } from './search-attributes.js';
import { defaultCacheDir } from '../cache-dir.js';
import { findTemporalCli, type TemporalCli } from './cli-binary.js';

export interface DevServerOptions {
  /** The CLI to run; found with `findTemporalCli` when absent, falling back to the SDK download. */
  cli?: TemporalCli;
  /** Interface to bind (default 127.0.0.1). */
  ip?: string;
  /** gRPC port (default: a free port). */
  port?: number;
  /** Serve the Web UI (default true). */
  ui?: boolean;
  /** Web UI port (default: port + 1000 when free, else a free port). */
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
}

/** A running dev server. */
export interface DevServer {
  /** gRPC address clients and workers connect to, `host:port`. */
  address: string;
  namespace: string;
  /** Web UI base address, when the UI is on. */
  uiUrl?: string;
  /** Which binary runs it: a CLI path, or "sdk-download". */
  runtime: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts a dev server and waits until it serves the namespace. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = options.cli ?? (await findTemporalCli({ ...(options.log ? { log: options.log } : {}) }));
  return cli ? startFromCli(cli, options) : startFromSdkDownload(options);
}

async function startFromCli(cli: TemporalCli, options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await getPort());
  const ui = options.ui ?? true;
  const uiPort = ui ? (options.uiPort ?? (await getPort({ port: port + 1000 }))) : undefined;
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
  ];
  const child = withPrivateFiles(() => spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = captureOutput(child, options.logFile);
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, namespace, child, output, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    namespace,
    ...(uiPort ? { uiUrl: `http://${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${uiPort}` } : {}),
    runtime: cli.path,
    stop: async () => {
      process.off('exit', stopOnExit);
      await stopChild(child);
    },
  };
}

async function startFromSdkDownload(options: DevServerOptions): Promise<DevServer> {
  options.log?.('No Temporal CLI found and no Go to build one: using the Temporal SDK download (needs internet).');
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? true;
  if (options.dbFile) await keepPrivate(options.dbFile);
  const env = await withPrivateFiles(() => TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: join(defaultCacheDir(), 'sdk-download') },
      ip: options.ip ?? '127.0.0.1',
      namespace,
      ui,
      ...(options.port ? { port: options.port } : {}),
      ...(ui && options.uiPort ? { uiPort: options.uiPort } : {}),
      ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
      searchAttributes: [...EPOCHAL_SEARCH_ATTRIBUTES],
    },
  }));
  const [host, port] = env.address.split(':');
  return {
    address: env.address,
    namespace,
    ...(ui ? { uiUrl: `http://${host}:${options.uiPort ?? Number(port) + 1000}` } : {}),
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

/** Polls until the server answers for `namespace`; fails early, with the server's output, if it exits. */
async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The Temporal dev server exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    }
    try {
      await describeNamespace(address, namespace);
      return;
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(
    `The Temporal dev server at ${address} did not answer within ${timeoutMs / 1000} s (${String(lastError)}):\n${output()}`,
  );
}

/** Keeps the last lines of the server's output for error messages, and copies it to `logFile`. */
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
