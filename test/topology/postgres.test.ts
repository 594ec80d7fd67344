import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBin, startPostgres, type PostgresCluster } from '../../src/topology/postgres.js';

const exec = promisify(execFile);

describe('a private PostgreSQL cluster', () => {
  let logDir: string;
  let cluster: PostgresCluster | undefined;
  const running = () => cluster ?? expect.unreachable('the cluster starts in beforeAll');

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'epochal-postgres-test-'));
    cluster = await startPostgres({ logFile: join(logDir, 'postgres.log'), databases: ['history', 'visibility'], user: 'epochal', password: 's3cret' });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await rm(logDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with the databases asked for, owned by its role', async () => {
    const { host, port } = running();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const owned = await running().query('history', "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('history', 'visibility') ORDER BY datname");
    expect(owned.split('\n')).toEqual(['history|epochal', 'visibility|epochal']);
  });

  it('refuses a wrong password over TCP', async () => {
    const { host, port } = running();
    const attempt = exec(join(await findPostgresBin(), 'psql'), ['-X', '-h', host, '-p', String(port), '-U', 'epochal', '-d', 'history', '-c', 'SELECT 1'], {
      env: { ...process.env, PGPASSWORD: 'wrong' },
    });
    await expect(attempt).rejects.toThrow(/password authentication failed for user "epochal"/);
  });

  it.runIf(process.getuid?.() === 0)('runs as the postgres system user when started by root, which owns its folder', async () => {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    expect((await stat(running().dir)).uid).toBe(Number(stdout));
    expect(await running().query('history', 'SELECT 1')).toBe('1');
  });

  it('logs to the file it was given and leaves no folder behind once stopped', async () => {
    const logFile = join(logDir, 'second.log');
    const second = await startPostgres({ logFile, databases: ['one'] });
    await second.stop();
    await expect(stat(second.dir)).rejects.toMatchObject({ code: 'ENOENT' });
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('database system is ready to accept connections');
    expect(log).toContain('database system is shut down');
  }, 120_000);
});

describe('finding PostgreSQL', () => {
  it('takes EPOCHAL_POSTGRES_BIN first, when it holds initdb and postgres', async () => {
    const bin = await findPostgresBin();
    expect(await findPostgresBin({ PATH: '', EPOCHAL_POSTGRES_BIN: bin }, '/nonexistent')).toBe(bin);
  });

  it('fails naming the package to install and the variable to set when the programs are nowhere', async () => {
    await expect(findPostgresBin({ PATH: '/nonexistent', EPOCHAL_POSTGRES_BIN: '/nonexistent/bin' }, '/nonexistent')).rejects.toThrow(
      "PostgreSQL's server programs (initdb, postgres) were found neither in EPOCHAL_POSTGRES_BIN (/nonexistent/bin), under /nonexistent nor on PATH. " +
        'Install them (Debian/Ubuntu: `apt-get install postgresql`) or set EPOCHAL_POSTGRES_BIN to the folder that holds them.',
    );
  });
});
