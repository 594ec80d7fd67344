import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import getPort from 'get-port';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { isServing } from '../../src/temporal/dev-server.js';
import { quickSleepnet } from '../helpers/configs.js';
import { epochal, EPOCHAL_BIN, startUntil, stop } from '../helpers/processes.js';

/** Listens on 127.0.0.1:`port` as an unrelated program would; resolves false when something holds it already. */
function listen(listener: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    listener.listen(port, '127.0.0.1', () => resolve(true));
  });
}

const scratch = () => mkdtemp(join(tmpdir(), 'epochal-busy-port-'));
const suiteAddress = () => inject('temporal').address;

describe('local servers on a busy port', () => {
  const listeners: Server[] = [];
  afterEach(() => {
    for (const listener of listeners.splice(0)) listener.close();
  });
  /** A free port, now held by a plain TCP listener. */
  const occupied = async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const listener = createServer((socket) => socket.destroy());
    listeners.push(listener);
    expect(await listen(listener, port)).toBe(true);
    return port;
  };

  it('`epochal server --port` on a port another process listens on fails, naming the address and the fix, and claims nothing', async () => {
    const port = await occupied();
    const db = join(await scratch(), 'temporal.db');
    const result = await epochal(['server', '--port', String(port), '--ui-port', String(await getPort()), '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `✗ Cannot start the Temporal dev server on gRPC port ${port}: another process listens on 127.0.0.1:${port}. ` +
        'Stop that process, or pick a free port with --port <free port> (or leave --port out to get one).',
    );
    expect(result.stdout).not.toContain('✓');
  });

  it('`epochal dev --port` on the port of a running Temporal server fails and says a Temporal server answers there', async () => {
    const address = suiteAddress();
    const port = address.split(':').at(-1)!;
    const db = join(await scratch(), 'temporal.db');
    const result = await epochal(['dev', '--port', port, '--headless', '--db', db, '--artifact-root', await scratch()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `✗ Cannot start the Temporal dev server on gRPC port ${port}: a Temporal server \\(\\d+\\.\\d+\\.\\d+\\) already answers on ${address}\\. ` +
          `Stop that server, use it \\(TEMPORAL_ADDRESS=${address} npx epochal worker\\), or pick a free port with --port <free port>`,
      ),
    );
    expect(result.stdout).not.toContain('✓');
    expect(result.stdout).not.toContain('Worker polling');
  });

  it('`epochal server --ui-port` on a port another process listens on fails and names --ui-port and --headless', async () => {
    const uiPort = await occupied();
    const db = join(await scratch(), 'temporal.db');
    const result = await epochal(['server', '--port', String(await getPort()), '--ui-port', String(uiPort), '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `✗ Cannot start the Temporal dev server's Web UI on port ${uiPort}: another process listens on 127.0.0.1:${uiPort}. ` +
        'Pick a free one with --ui-port <free port> (or leave --ui-port out to get one), stop that process, or run without the Web UI (--headless).',
    );
    expect(result.stdout).not.toContain('✓');
  });

  it('`epochal demo --port` on a port another process listens on fails before running anything', async () => {
    const port = await occupied();
    const dir = await scratch();
    const result = await epochal(['demo', '--port', String(port), '--headless', '--db', join(dir, 'temporal.db'), '--artifact-root', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`✗ Cannot start the Temporal dev server on gRPC port ${port}: another process listens on 127.0.0.1:${port}.`);
    expect(result.stdout).not.toContain('✓');
    expect(result.stdout).not.toContain('Started trainingPipeline');
  });

  it('`epochal server` without --port moves off a taken 7233, says which port it took, and serves there', async () => {
    // Held by this test, or already by something else: taken either way.
    const listener = createServer((socket) => socket.destroy());
    listeners.push(listener);
    await listen(listener, 7233);
    const db = join(await scratch(), 'temporal.db');
    const server = await startUntil(process.execPath, [EPOCHAL_BIN, 'server', '--headless', '--db', db], 'Ctrl-C stops it.');
    try {
      const output = server.output();
      const moved = /gRPC port 7233 is taken \((?:another process listens|a Temporal server \(\S+\) already answers) on 127\.0\.0\.1:7233\): using 127\.0\.0\.1:(\d+) instead\./.exec(output);
      expect(moved, output).not.toBeNull();
      const address = `127.0.0.1:${moved![1]}`;
      expect(output).toContain(`✓ Temporal dev server on ${address} (namespace default,`);
      expect(output).toContain(`TEMPORAL_ADDRESS=${address} npx epochal worker`);
      expect(await isServing(address)).toBe(true);
    } finally {
      expect(await stop(server.child)).toBe(0);
    }
  });

  it('`epochal demo` gives the run\'s Web UI link at the end, with the command that brings its server back, history and all', { timeout: 240_000 }, async () => {
    const dir = await scratch();
    const db = join(dir, 'temporal.db');
    const [port, uiPort] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
    const demo = await epochal([
      'demo', '--config', await quickSleepnet(1), '--port', String(port), '--ui-port', String(uiPort), '--db', db, '--artifact-root', dir,
    ]);
    expect(demo.code, demo.stderr).toBe(0);
    const lines = demo.stdout.trimEnd().split('\n');
    const workflowId = /✓ Started trainingPipeline (\S+)/.exec(demo.stdout)?.[1];
    expect(workflowId).toBeDefined();
    const link = `http://127.0.0.1:${uiPort}/namespaces/default/workflows/${workflowId}`;
    // The only UI addresses printed are the last lines, after the result.
    expect(demo.stdout.match(/http:\/\/127\.0\.0\.1/g)).toHaveLength(1);
    expect(lines.slice(-3)).toEqual([
      `The demo's server stops now; the run's history is kept in ${db}. To browse the run, start the server again:`,
      `  server       npx epochal server --port ${port} --ui-port ${uiPort} --db ${db}`,
      `  Web UI       ${link}`,
    ]);
    expect(demo.stdout.indexOf(`✓ Run ${workflowId}`)).toBeGreaterThan(-1);
    expect(await isServing(`127.0.0.1:${port}`)).toBe(false);

    // The command it gives brings the run back up in the Web UI.
    const revived = await startUntil(
      process.execPath,
      [EPOCHAL_BIN, 'server', '--port', String(port), '--ui-port', String(uiPort), '--db', db],
      'Ctrl-C stops it.',
    );
    try {
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      try {
        const described = await new Client({ connection }).workflow.getHandle(workflowId!).describe();
        expect(described.status.name).toBe('COMPLETED');
      } finally {
        await connection.close();
      }
    } finally {
      expect(await stop(revived.child)).toBe(0);
    }
  });
});
