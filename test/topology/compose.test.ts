/**
 * `docker-compose.yml` describes the topology `many-machines.test.ts` runs
 * for real without Docker. No Docker engine runs here, so this keeps the two
 * in step instead: the same program versions, schema commands, dynamic
 * config, S3 server, and workers that share no volume.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSITYGW } from '../../src/store/s3-server.js';
import { TEMPORAL_CLI } from '../../src/temporal/cli-binary.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_SQL_TOOL, TEMPORAL_UI_VERSION } from '../../src/topology/binaries.js';
import { findPostgresBin } from '../../src/topology/postgres.js';
import { TOPOLOGY_DYNAMIC_CONFIG } from '../../src/topology/server-config.js';
import { SCHEMAS } from '../../src/topology/temporal-server.js';
import { REPO } from '../helpers/processes.js';

const exec = promisify(execFile);

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

const compose = async () => parse(await readFile(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const script = (service: Service) => (service.command ?? []).join('\n');

describe('docker-compose.yml, in step with the tested topology', () => {
  it('runs the Temporal server, UI and PostgreSQL at the versions the topology suite runs', async () => {
    const { services } = await compose();
    expect(services.temporal!.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
    const { stdout } = await exec(join(await findPostgresBin(), 'postgres'), ['--version']);
    expect(services.postgresql!.image).toBe(`postgres:${/(\d+)\.\d+/.exec(stdout)![1]}`);
  });

  it('builds its tools image from the same Go modules and versions the suite builds', async () => {
    const dockerfile = await readFile(join(REPO, 'docker', 'temporal-tools.Dockerfile'), 'utf8');
    for (const binary of [TEMPORAL_SQL_TOOL, TEMPORAL_CLI, VERSITYGW]) expect(dockerfile).toContain(`go install ${binary.module}@v${binary.version}`);
  });

  it('sets up both databases with the schema commands the suite runs', async () => {
    const schema = script((await compose()).services['temporal-schema']!);
    for (const [database, name] of [['temporal', SCHEMAS.history], ['temporal_visibility', SCHEMAS.visibility]]) {
      expect(schema).toContain(`temporal-sql-tool --plugin postgres12 --db ${database} setup-schema -v 0.0`);
      expect(schema).toContain(`temporal-sql-tool --plugin postgres12 --db ${database} update-schema --schema-name ${name}`);
    }
  });

  it('gives the server the dynamic config the suite gives it', async () => {
    const file = parse(await readFile(join(REPO, 'docker', 'dynamic-config.yaml'), 'utf8')) as Record<string, [{ value: unknown }]>;
    expect(Object.fromEntries(Object.entries(file).map(([key, [{ value }]]) => [key, value]))).toEqual(TOPOLOGY_DYNAMIC_CONFIG);
    expect((await compose()).services.temporal!.volumes).toContain('./docker/dynamic-config.yaml:/etc/temporal/config/dynamicconfig/epochal.yaml:ro');
  });

  it('serves S3 with versitygw over a folder, as the suite starts it, and creates the bucket the workers use', async () => {
    const { services } = await compose();
    expect(services.s3!.command).toEqual(['versitygw', '--port', ':7070', '--quiet', 'posix', '/data']);
    expect(services['s3-bucket']!.command).toEqual(['mkdir', '-p', '/data/epochal']);
  });

  it('runs an orchestration and a training worker that share no volume, with every artifact in the bucket', async () => {
    const { services } = await compose();
    const workers = Object.entries(services).filter(([, service]) => service.command?.[0] === 'worker');
    expect(workers.map(([name]) => name).sort()).toEqual(['worker-orchestration', 'worker-training']);
    const volumes = workers.map(([, service]) => (service.volumes ?? []).map((volume) => volume.split(':')[0]!).filter((source) => !source.startsWith('./configs')));
    expect(new Set(volumes.flat()).size).toBe(volumes.flat().length); // nothing writable shared
    for (const [, service] of workers) {
      expect(service.command).toEqual(expect.arrayContaining(['--artifact-root', 's3://epochal/runs', '--mirror-dir', '/mirror']));
      expect(service.environment).toMatchObject({ AWS_ENDPOINT_URL_S3: 'http://s3:7070', AWS_ACCESS_KEY_ID: services.s3!.environment!.ROOT_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: services.s3!.environment!.ROOT_SECRET_ACCESS_KEY });
    }
    expect(services['worker-orchestration']!.command).toEqual(expect.arrayContaining(['--training-task-queue', 'none']));
    expect(services['worker-training']!.command).toEqual(expect.arrayContaining(['--task-queue', 'none']));
  });
});
