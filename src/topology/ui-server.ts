/**
 * The Temporal Web UI server of a local topology, on 127.0.0.1 on a free
 * port, pointed at a Temporal frontend. Its config is one file in the
 * layout the UI server loads (`<config dir>/<env>.yaml`), written as JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import getPort from 'get-port';
import { startLoggedProcess, waitUntil } from './logged-process.js';

/** The UI server's `--env`: the name of its config file. */
const ENV = 'epochal';

export interface StartUiServerOptions {
  /** The UI server binary. */
  binary: string;
  /** The Temporal frontend's gRPC address. */
  temporalAddress: string;
  /** The namespace the UI opens on. */
  namespace: string;
  /** The folder for its config folder and its log (`ui-server.log`). */
  dir: string;
  /** How long to wait for its page (default 60 s). */
  startTimeoutMs?: number;
}

/** A running UI server. */
export interface UiServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts the UI server and waits until `GET /` answers 200. */
export async function startUiServer(options: StartUiServerOptions): Promise<UiServer> {
  const port = await getPort({ host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  const configDir = join(options.dir, 'ui-config');
  await mkdir(configDir, { recursive: true });
  const config = {
    temporalGrpcAddress: options.temporalAddress,
    host: '127.0.0.1',
    port,
    enableUi: true,
    defaultNamespace: options.namespace,
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [url] },
  };
  await writeFile(join(configDir, `${ENV}.yaml`), JSON.stringify(config, null, 2));
  const logFile = join(options.dir, 'ui-server.log');
  const server = startLoggedProcess({
    title: 'the Temporal UI server',
    command: options.binary,
    args: ['--root', options.dir, '--config', 'ui-config', '--env', ENV, 'start'],
    logFile,
    cwd: options.dir,
  });
  const stop = () => server.stop('SIGTERM', 10_000);
  try {
    await waitUntil(() => servesPage(url), { process: server, what: `the Temporal UI to serve ${url}/`, timeoutMs: options.startTimeoutMs ?? 60_000, intervalMs: 200 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logFile, stop };
}

async function servesPage(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
