import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import { PortTakenError } from '../../src/errors.js';
import { isServing, startDevServer } from '../../src/temporal/dev-server.js';
import { useSuiteServer } from '../helpers/temporal.js';

/** A plain TCP listener that holds a free port, as an unrelated program would. */
async function occupyPort(): Promise<{ port: number; listener: Server }> {
  const port = await getPort({ host: '127.0.0.1' });
  const listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
  return { port, listener };
}

const suitePort = () => Number(inject('temporal').address.split(':').at(-1));

describe('the Temporal dev server', () => {
  const env = useSuiteServer();
  const listeners: Server[] = [];
  afterEach(() => {
    for (const listener of listeners.splice(0)) listener.close();
  });
  const occupied = async () => {
    const { port, listener } = await occupyPort();
    listeners.push(listener);
    return port;
  };

  it('is a real server with Epochal search attributes registered', async () => {
    const { namespace } = inject('temporal');
    const system = await env().connection.workflowService.getSystemInfo({});
    expect(system.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    const attributes = await env().connection.operatorService.listSearchAttributes({ namespace });
    expect(attributes.customAttributes).toMatchObject({
      EpochalExperiment: expect.anything(),
      EpochalModel: expect.anything(),
      EpochalStage: expect.anything(),
      EpochalBestMetric: expect.anything(),
      EpochalSweep: expect.anything(),
    });
  });

  it('serves the Web UI when started with it, and stops cleanly', async () => {
    const cli = await findTemporalCli({ build: false });
    const server = await startDevServer({ ...(cli ? { cli } : {}), ui: true });
    try {
      expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.uiUrl).toBe(`http://127.0.0.1:${server.uiPort}`);
      expect(server.address).toBe(`127.0.0.1:${server.port}`);
      const page = await fetch(server.uiUrl!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      await server.stop();
    }
    expect(await isServing(server.address)).toBe(false);
  });

  it('refuses a port another process listens on, before starting anything, and says who holds it', async () => {
    const port = await occupied();
    const error = await startDevServer({ port, ui: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortTakenError);
    expect(error).toMatchObject({ role: 'frontend', ip: '127.0.0.1', port, temporalVersion: undefined });
    expect((error as Error).message).toBe(`Cannot start the Temporal dev server on gRPC port ${port}: another process listens on 127.0.0.1:${port}.`);
  });

  it('says it is a Temporal server when the port taken is one', async () => {
    const port = suitePort();
    const error = await startDevServer({ port, ui: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortTakenError);
    const { temporalVersion } = error as PortTakenError;
    expect(temporalVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect((error as Error).message).toBe(
      `Cannot start the Temporal dev server on gRPC port ${port}: a Temporal server (${temporalVersion}) already answers on 127.0.0.1:${port}.`,
    );
  });

  it('refuses a Web UI port another process listens on', async () => {
    const uiPort = await occupied();
    const error = await startDevServer({ uiPort }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortTakenError);
    expect(error).toMatchObject({ role: 'ui', port: uiPort });
    expect((error as Error).message).toBe(
      `Cannot start the Temporal dev server's Web UI on port ${uiPort}: another process listens on 127.0.0.1:${uiPort}.`,
    );
  });

  it('moves off a preferred port that is taken, says which port it uses, and serves there', async () => {
    const preferred = suitePort();
    const messages: string[] = [];
    const cli = await findTemporalCli({ build: false });
    const server = await startDevServer({ ...(cli ? { cli } : {}), preferredPort: preferred, ui: false, log: (m) => messages.push(m) });
    try {
      expect(server.port).not.toBe(preferred);
      expect(messages).toContainEqual(expect.stringMatching(
        new RegExp(`^gRPC port ${preferred} is taken \\(a Temporal server \\(\\S+\\) already answers on 127\\.0\\.0\\.1:${preferred}\\): using 127\\.0\\.0\\.1:${server.port} instead\\.$`),
      ));
      expect(await isServing(server.address)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('fails with the end of its log when the server exits instead of serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-dev-server-'));
    // A stand-in CLI that dies as `temporal server start-dev` does when its port is taken after all.
    const standIn = join(dir, 'temporal');
    await writeFile(standIn, `#!${process.execPath}
const port = process.argv[process.argv.indexOf('--port') + 1];
console.error('time=2026-12-01T10:00:00.000 level=ERROR msg="can\\'t set frontend port ' + port + ': listen tcp 127.0.0.1:' + port + ': bind: address already in use"');
setTimeout(() => process.exit(1), 100);
`);
    await chmod(standIn, 0o755);
    const logFile = join(dir, 'server.log');
    const port = await getPort({ host: '127.0.0.1' });
    const bindError = `can't set frontend port ${port}: listen tcp 127.0.0.1:${port}: bind: address already in use`;
    const error = await startDevServer({ cli: { path: standIn, source: 'env' }, port, ui: false, logFile }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(
      new RegExp(`^The Temporal dev server for 127\\.0\\.0\\.1:${port} exited \\(1\\) before serving\\. The end of its log \\(${logFile.replaceAll('.', '\\.')}\\):\\n.*bind: address already in use"$`),
    );
    expect((error as Error).message).toContain(bindError);
    expect(await readFile(logFile, 'utf8')).toContain(bindError);
  });
});
