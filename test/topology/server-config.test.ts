import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionGoBinary } from '../../src/provision/go-binary.js';
import { TEMPORAL_SERVER } from '../../src/topology/binaries.js';
import { chooseTemporalPorts, TEMPORAL_SERVICES, TOPOLOGY_DYNAMIC_CONFIG, writeServerConfig } from '../../src/topology/server-config.js';

const exec = promisify(execFile);
const sql = { host: '127.0.0.1', port: 15432, user: 'temporal', password: 'temporal', database: 'temporal', visibilityDatabase: 'temporal_visibility' };

describe("the Temporal server's generated config", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'epochal-server-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives every listener its own free port below 32768, where the SQL stores can keep a membership port', async () => {
    const ports = await chooseTemporalPorts();
    const all = [...TEMPORAL_SERVICES.flatMap((service) => [ports.services[service].grpcPort, ports.services[service].membershipPort]), ports.httpPort];
    expect(new Set(all).size).toBe(9);
    expect(all.filter((port) => port < 10_000 || port > 32_767)).toEqual([]);
  });

  it('puts history and visibility in their PostgreSQL databases, binds every service to 127.0.0.1, and archives nothing', async () => {
    const ports = await chooseTemporalPorts();
    const config = JSON.parse(await readFile(await writeServerConfig({ dir, sql, ports }), 'utf8'));
    expect(config.persistence.datastores['postgres-default'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:15432' });
    expect(config.persistence.datastores['postgres-visibility'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_visibility' });
    expect(config.services.frontend.rpc).toEqual({ ...ports.services.frontend, bindOnLocalHost: true, httpPort: ports.httpPort });
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe(`127.0.0.1:${ports.services.frontend.grpcPort}`);
    expect(config.archival).toEqual({ history: { state: 'disabled' }, visibility: { state: 'disabled' } });
  });

  it('has a dynamic config whose every key the Temporal server knows', async () => {
    const server = await provisionGoBinary(TEMPORAL_SERVER, { log: (message) => console.log(message) });
    if (!server) throw new Error('No Temporal server build in the Epochal cache and no Go to build one (see src/topology/binaries.ts).');
    await writeServerConfig({ dir, sql, ports: await chooseTemporalPorts() });
    const { stdout } = await exec(server, ['validate-dynamic-config', join(dir, 'dynamic-config.yaml')]);
    expect(stdout.trim()).toBe(join(dir, 'dynamic-config.yaml'));
    const written = JSON.parse(await readFile(join(dir, 'dynamic-config.yaml'), 'utf8'));
    expect(written['system.forceSearchAttributesCacheRefreshOnRead']).toEqual([{ value: true, constraints: {} }]);
    expect(Object.keys(written)).toEqual(Object.keys(TOPOLOGY_DYNAMIC_CONFIG));
  }, 20 * 60_000);
});
