import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTopologyBinaries, type TopologyBinaries } from '../../src/topology/binaries.js';
import { startProductionTemporal } from '../../src/topology/index.js';
import { runLogged, startLoggedProcess, waitUntil } from '../../src/topology/logged-process.js';

describe('a process of the topology that fails', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epochal-topology-failure-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fails a wait at once with its exit status and the end of its log', async () => {
    const logFile = join(dir, 'crash.log');
    const crash = startLoggedProcess({ title: 'the crashing server', command: 'sh', args: ['-c', 'echo "listening soon"; echo "fatal: no config" >&2; exit 3'], logFile });
    const waited = waitUntil(async () => false, { process: crash, what: 'the crashing server to listen', timeoutMs: 30_000 });
    await expect(waited).rejects.toThrow(`Waiting for the crashing server to listen failed (the crashing server exited with 3). The end of its log (${logFile}):\nlistening soon\nfatal: no config`);
    expect(await readFile(logFile, 'utf8')).toBe('listening soon\nfatal: no config\n');
  });

  it('fails a command with the command line and what it printed', async () => {
    const failed = runLogged({ title: 'the schema tool', command: 'sh', args: ['-c', 'echo "relation exists" >&2; exit 1'], logFile: join(dir, 'tool.log') });
    await expect(failed).rejects.toThrow(/^sh -c .* failed \(the schema tool exited with 1\)\. The end of its log .*:\nrelation exists$/);
  });

  it('says when the program cannot start at all', async () => {
    const missing = runLogged({ title: 'the missing server', command: join(dir, 'no-such-binary'), args: [], logFile: join(dir, 'missing.log') });
    await expect(missing).rejects.toThrow(/the missing server could not start: spawn .*no-such-binary ENOENT/);
  });
});

describe('a topology whose last component fails to start', () => {
  let binaries: TopologyBinaries;
  beforeAll(async () => {
    binaries = await provisionTopologyBinaries({ log: (message) => console.log(message) });
  }, 20 * 60_000);

  it('fails naming that component and stops the ones already started, last first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-topology-failure-'));
    try {
      const start = startProductionTemporal({ dir, binaries: { ...binaries, uiServer: '/bin/false' } });
      await expect(start).rejects.toThrow(/^Waiting for the Temporal UI to serve http:\/\/127\.0\.0\.1:\d+\/ failed \(the Temporal UI server exited with 1\)/);
      // The server and then PostgreSQL were shut down, each saying so at the end of its log.
      expect((await readFile(join(dir, 'temporal-server.log'), 'utf8')).trimEnd()).toMatch(/All services are stopped\.$/);
      expect((await readFile(join(dir, 'postgres.log'), 'utf8')).trimEnd()).toMatch(/database system is shut down$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
