/**
 * Epochal as a package: `npm pack` of this checkout, installed into an empty
 * project that has no TypeScript and no tsx, runs compiled; the README's
 * "Use Epochal in your own workers" example (its four files, as the README
 * shows them) compiles against the installed declarations and runs against
 * the suite's real Temporal server: a worker made with the Epochal plugin
 * serves the project's own workflow, which starts `trainingPipeline` as a
 * child and gets its typed result.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKER_FLAGS } from '../../src/cli/commands/worker.js';
import { REPO, run, startUntil, stop } from '../helpers/processes.js';

const { address, namespace } = inject('temporal');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** The files of the README's example: its ```ts blocks marked `file=<path>`. */
async function readmeExample(): Promise<Map<string, string>> {
  const markdown = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = markdown.slice(markdown.indexOf('## Use Epochal in your own workers'));
  return new Map([...section.matchAll(/^```ts file=(\S+)\n([\s\S]*?)^```/gm)].map((match) => [match[1]!, match[2]!]));
}

/** Checks the example cannot compile if the child's result or the plugin's options were untyped. */
const TYPE_CHECKS = `import { executeChild } from '@temporalio/workflow';
import type { EpochalPluginOptions } from 'epochal/plugin';
import type { TrainParams } from 'epochal';
import { trainingPipeline } from 'epochal/workflows';

export async function typed(): Promise<string> {
  const run = await executeChild(trainingPipeline, { args: [{ trainParams: 'train_params.json' }] });
  // @ts-expect-error the result has no such field
  void run.noSuchField;
  // @ts-expect-error the plugin has no such option
  const options: EpochalPluginOptions = { noSuchOption: true };
  const epochs: TrainParams['training']['epochs'] = 3;
  return run.exported.model.path + String(options) + String(epochs);
}
`;

async function ok(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await run(command, args, { cwd, env });
  expect(result.code, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('the npm package', () => {
  let project: string;
  let tarball: string;

  beforeAll(async () => {
    const packed = await mkdtemp(join(tmpdir(), 'epochal-pack-'));
    // What prepack runs (tsc, then the build info), then the pack itself.
    await ok('npm', ['run', 'build'], REPO);
    const [summary] = JSON.parse(await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packed], REPO)) as { filename: string }[];
    tarball = join(packed, summary!.filename);
    project = await mkdtemp(join(tmpdir(), 'epochal-user-project-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }, null, 2));
    // Install scripts off: tfjs-node's would download libtensorflow, which this machine cannot reach (the worker then trains on wasm).
    await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], project);
    for (const [file, text] of await readmeExample()) {
      await mkdir(dirname(join(project, file)), { recursive: true });
      await writeFile(join(project, file), text);
    }
    await writeFile(join(project, 'src', 'typed.ts'), TYPE_CHECKS);
    const tsconfig = { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'dist', rootDir: 'src' }, include: ['src'] };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    // The project has no TypeScript of its own: this checkout's compiles it, with its Node types.
    await ok(process.execPath, [TSC, '-p', '.', '--typeRoots', join(REPO, 'node_modules', '@types'), '--types', 'node'], project);
  }, 300_000);

  it('installs into an empty project with no TypeScript and no tsx, compiled JavaScript and declarations only', async () => {
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
    const installed = join(project, 'node_modules', 'epochal');
    const files = (await readdir(installed, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(installed.length + 1));
    const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    for (const entry of ['dist/src/api/index.js', 'dist/src/api/plugin.js', 'dist/src/api/client.js', 'dist/workflows/index.js', 'dist/src/train/child.js', 'dist/src/pipeline/stage-child.js', 'dist/src/temporal/codec/failure-converter.cjs']) {
      expect(files).toContain(entry);
    }
    const buildInfo = JSON.parse(await readFile(join(installed, 'dist', 'build-info.json'), 'utf8')) as { commit?: string };
    expect(buildInfo.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(files.some((file) => file.startsWith('test/') || file.startsWith('bench/'))).toBe(false);
  });

  it('runs its CLI compiled, and `epochal worker --help` offers a flag for every plugin option', async () => {
    const help = await ok(join(project, 'node_modules', '.bin', 'epochal'), ['worker', '--help'], project);
    const flags = Object.values(WORKER_FLAGS).flatMap((source) => source.match(/--[a-z-]+/g) ?? []);
    expect(flags.length).toBeGreaterThan(8);
    for (const flag of flags) expect(help).toContain(flag);
  });

  it("serves the project's own workflow with Epochal's through the plugin; it trains with trainingPipeline as a child and gets the typed result", async () => {
    const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
    const worker = await startUntil(process.execPath, ['dist/worker.js'], 'Serving my-app', { cwd: project, env, timeoutMs: 120_000 });
    try {
      expect(worker.output()).toMatch(/Serving my-app and my-app-training as my-app \d+\.\d+\.\d+\+[0-9a-f]{12}/);
      const started = await ok(process.execPath, ['dist/start.js', '2026-w49'], project, env);
      const result = JSON.parse(started.trim().split('\n').at(-1)!) as { rows: number; model: string; testAccuracy?: number };
      expect(result.rows).toBe(240);
      expect(result.model).toBe(join(project, 'runs', 'weekly-model-2026-w49', 'model', 'model.json'));
      expect(JSON.parse(await readFile(result.model, 'utf8'))).toHaveProperty('modelTopology');
      expect(result.testAccuracy).toBeGreaterThan(0.5);

      // The child is Epochal's trainingPipeline, a child of the project's workflow, run by the app's versioned workers.
      const connection = await Connection.connect({ address });
      try {
        const client = new Client({ connection, namespace });
        const child = await client.workflow.getHandle('weekly-model-2026-w49').describe();
        expect(child.type).toBe('trainingPipeline');
        expect(child.parentExecution?.workflowId).toBe('weekly-model-run-2026-w49');
        expect(child.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion).toMatchObject({ deploymentName: 'my-app' });
      } finally {
        await connection.close();
      }
    } finally {
      await stop(worker.child, 'SIGINT');
    }
  }, 240_000);
});
