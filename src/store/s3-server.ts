/**
 * A local S3-compatible server for tests and single-machine trials of the
 * S3 artifact store: versitygw (Versity S3 Gateway) over a folder, built
 * once with `go install` into the Epochal cache like the Temporal CLI. It
 * implements what the S3 store relies on: multipart uploads, ranged reads,
 * and conditional writes (`If-None-Match`, `If-Match`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import getPort from 'get-port';
import { provisionGoBinary, type GoBinary, type GoBuildOptions } from '../provision/go-binary.js';

export const VERSITYGW_VERSION = '1.8.0';

export const VERSITYGW: GoBinary = {
  title: 'the versitygw S3 server',
  module: 'github.com/versity/versitygw/cmd/versitygw',
  version: VERSITYGW_VERSION,
  binary: 'versitygw',
  folder: `versitygw-${VERSITYGW_VERSION}`,
  usually: 'usually 1–4 min',
  detail: 'usually 1–4 min: about 80 s on a quiet 2-core machine',
};

/** The cached versitygw, built first when needed; undefined without Go. */
export function provisionS3Server(options: GoBuildOptions = {}): Promise<string | undefined> {
  return provisionGoBinary(VERSITYGW, options);
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The standard AWS variables that point a client (or an Epochal worker) at this server. */
  env: Record<string, string>;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  /** The versitygw binary. */
  binary: string;
  /** The folder whose subfolders are the buckets. */
  dir: string;
  /** Buckets to create (as folders) before the server starts. */
  buckets?: string[];
  port?: number;
}

/** Starts versitygw on 127.0.0.1 over `dir` and waits until it accepts connections. */
export async function startS3Server(options: StartS3ServerOptions): Promise<S3Server> {
  for (const bucket of options.buckets ?? []) await mkdir(`${options.dir}/${bucket}`, { recursive: true });
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const accessKeyId = 'epochal';
  const secretAccessKey = 'epochal-local-secret';
  const child = spawn(options.binary, ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', options.dir], {
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`versitygw did not start on 127.0.0.1:${port}: ${stderr.trim() || `exit code ${child.exitCode}`}`);
    }
    await sleep(50);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-east-1' },
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
