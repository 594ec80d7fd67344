/**
 * A private PostgreSQL cluster for a local topology: initialised in a fresh
 * temporary folder, listening on 127.0.0.1 on a free port (its Unix socket
 * inside that folder), with one password-protected role that owns the
 * databases asked for. Stopping it shuts it down (fast) and removes the folder.
 * PostgreSQL refuses to run as root: as root, the cluster runs as the
 * `postgres` system user, which owns its folder.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import which from 'which';
import { isExecutable } from '../provision/go-binary.js';
import { runLogged, startLoggedProcess, waitUntil, type RunAs } from './logged-process.js';

const exec = promisify(execFile);

export interface StartPostgresOptions {
  /** Where the cluster's output goes (initdb's and the server's). */
  logFile: string;
  /** Databases to create, owned by `user`. */
  databases: string[];
  /** The role clients log in as, the cluster's superuser (default "temporal"). */
  user?: string;
  /** Its password (default: the role's name; the cluster listens on 127.0.0.1 only). */
  password?: string;
  /** The folder holding initdb, postgres and psql (default: `$EPOCHAL_POSTGRES_BIN`, else the newest Debian install, else PATH). */
  binDir?: string;
  /** The system user to run as when this process is root (default "postgres"). */
  systemUser?: string;
  /** How long to wait for the server to accept connections (default 60 s). */
  startTimeoutMs?: number;
}

/** A running private cluster. */
export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  databases: string[];
  /** The temporary folder holding its data and socket. */
  dir: string;
  /** Runs one SQL statement in `database` and returns its rows, one a line, columns separated by `|`. */
  query(database: string, sql: string): Promise<string>;
  /** Shuts the server down (fast: open sessions are ended) and removes its folder. */
  stop(): Promise<void>;
}

/** Initialises and starts a private cluster, and creates its databases. */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresCluster> {
  const bin = options.binDir ?? (await findPostgresBin());
  const user = options.user ?? 'temporal';
  const password = options.password ?? user;
  const runAs = process.getuid?.() === 0 ? await systemUserIds(options.systemUser ?? 'postgres') : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'epochal-postgres-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  const passwordFile = join(dir, 'password');
  await mkdir(socket);
  await writeFile(passwordFile, password, { mode: 0o600 });
  if (runAs) for (const path of [dir, socket, passwordFile]) await chown(path, runAs.uid, runAs.gid);

  const common = { logFile: options.logFile, cwd: dir, ...(runAs ? { runAs } : {}) };
  try {
    await runLogged({
      ...common,
      title: 'initdb',
      command: join(bin, 'initdb'),
      args: ['-D', data, '-U', user, `--pwfile=${passwordFile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const host = '127.0.0.1';
  const port = await getPort({ host });
  // A throwaway cluster: durability settings off, which makes schema setup and tests several times faster.
  const server = startLoggedProcess({
    ...common,
    title: 'PostgreSQL',
    command: join(bin, 'postgres'),
    args: ['-D', data, '-h', host, '-p', String(port), '-k', socket, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
  });
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown (`pg_ctl stop -m fast`).
    await server.stop('SIGINT', 30_000);
    await rm(dir, { recursive: true, force: true });
  };
  const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
  const psql = (database: string, ...args: string[]) =>
    exec(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', user, '-d', database, ...args], { env });
  try {
    const isReady = () => exec(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-t', '1']).then(() => true, () => false);
    await waitUntil(isReady, { process: server, what: `PostgreSQL to accept connections on ${host}:${port}`, timeoutMs: options.startTimeoutMs ?? 60_000, intervalMs: 100 });
    await psql('postgres', ...options.databases.flatMap((name) => ['-c', `CREATE DATABASE "${name}"`]));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host,
    port,
    user,
    password,
    databases: options.databases,
    dir,
    query: async (database, sql) => (await psql(database, '-A', '-t', '-c', sql)).stdout.trim(),
    stop,
  };
}

/**
 * The folder with PostgreSQL's server programs: `$EPOCHAL_POSTGRES_BIN`, else
 * the newest version under `debianRoot` (Debian installs them off PATH), else
 * where `initdb` on PATH lives; or an error saying how to provide them.
 */
export async function findPostgresBin(env: NodeJS.ProcessEnv = process.env, debianRoot = '/usr/lib/postgresql'): Promise<string> {
  const candidates: string[] = [];
  if (env.EPOCHAL_POSTGRES_BIN) candidates.push(env.EPOCHAL_POSTGRES_BIN);
  const debian = await readdir(debianRoot).catch(() => [] as string[]);
  candidates.push(...debian.sort((a, b) => Number(b) - Number(a)).map((version) => join(debianRoot, version, 'bin')));
  const onPath = await which('initdb', { path: env.PATH ?? '', nothrow: true });
  if (onPath) candidates.push(dirname(await realpath(onPath)));
  for (const candidate of candidates) {
    if ((await isExecutable(join(candidate, 'initdb'))) && (await isExecutable(join(candidate, 'postgres')))) return candidate;
  }
  throw new Error(
    `PostgreSQL's server programs (initdb, postgres) were found neither ${env.EPOCHAL_POSTGRES_BIN ? `in EPOCHAL_POSTGRES_BIN (${env.EPOCHAL_POSTGRES_BIN}), ` : ''}under ${debianRoot} nor on PATH. ` +
      'Install them (Debian/Ubuntu: `apt-get install postgresql`) or set EPOCHAL_POSTGRES_BIN to the folder that holds them.',
  );
}

async function systemUserIds(name: string): Promise<RunAs> {
  try {
    const [uid, gid] = await Promise.all([exec('id', ['-u', name]), exec('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root, and there is no "${name}" system user to run it as. ` +
        'Run as an ordinary user, install Debian\'s `postgresql` package (it creates "postgres"), or create one with `useradd --system postgres`.',
    );
  }
}
