/** `epochal runs list|compare`: find training runs and compare them. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { folderName } from '../../artifacts/run-folder.js';
import { formatDuration } from '../../duration.js';
import { configDifferences, metricRows, writeComparison } from '../../runs/compare.js';
import { readRunFolder, type RunFolderSummary } from '../../runs/folders.js';
import { listRuns, RUN_STATUSES, type RunRow, type RunStatus } from '../../runs/list.js';
import { connectClient } from '../../temporal/connection.js';
import { defaultArtifactRoot } from '../../temporal/worker.js';
import { clusterOptions, print, withClusterOptions } from '../shared.js';

interface ListFlags {
  address?: string;
  namespace?: string;
  experiment?: string;
  status?: string;
  artifactRoot?: string;
  limit: string;
}

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('List training runs and compare them');

  withClusterOptions(runs.command('list').description('Training runs, newest first: id, status, stage, best metric, start, duration (from the server and the run folders)'))
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--status <status>', `only runs in this state (${Object.keys(RUN_STATUSES).join(', ')})`)
    .option('--artifact-root <dir>', 'where run folders are (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .option('--limit <n>', 'at most this many runs from the server', '200')
    .action(async (flags: ListFlags) => {
      if (flags.status && !(flags.status in RUN_STATUSES)) {
        print.fail(`Expected --status to be one of ${Object.keys(RUN_STATUSES).join(', ')}, but got "${flags.status}".`);
        process.exitCode = 2;
        return;
      }
      const artifactRoot = resolve(flags.artifactRoot ?? defaultArtifactRoot());
      const client = await connectClient(clusterOptions(flags));
      try {
        const rows = await listRuns({
          artifactRoot,
          client,
          limit: Number(flags.limit),
          ...(flags.experiment ? { experiment: flags.experiment } : {}),
          ...(flags.status ? { status: flags.status as RunStatus } : {}),
        });
        if (rows.length === 0) print.info(`No training runs${flags.experiment ? ` of experiment "${flags.experiment}"` : ''}${flags.status ? ` with status ${flags.status}` : ''} (server and ${artifactRoot}).`);
        else printTable(['id', 'status', 'stage', 'best', 'start', 'duration'], rows.map(rowCells));
      } finally {
        await client.connection.close();
      }
    });

  runs
    .command('compare')
    .description('Compare runs: config differences by JSON path, metrics side by side, curves overlaid in an HTML page')
    .argument('<runs...>', 'two or more run ids (folders under the artifact root) or run folder paths')
    .option('--artifact-root <dir>', 'where run folders are (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .action(async (ids: string[], flags: { artifactRoot?: string }) => {
      const artifactRoot = resolve(flags.artifactRoot ?? defaultArtifactRoot());
      if (ids.length < 2) {
        print.fail('Expected two or more runs to compare.');
        process.exitCode = 2;
        return;
      }
      const found = await Promise.all(ids.map((id) => openRun(artifactRoot, id)));
      const missing = ids.filter((_, i) => !found[i]);
      if (missing.length > 0) {
        print.fail(`No run folder for ${missing.map((id) => `"${id}"`).join(', ')} under ${artifactRoot}. Fix: pass run ids as \`epochal runs list\` shows them, run folder paths, or --artifact-root.`);
        process.exitCode = 1;
        return;
      }
      const runsFound = found as RunFolderSummary[];
      const differences = configDifferences(runsFound);
      print.info(differences.length ? 'Config differences:' : 'The resolved configs are identical.');
      if (differences.length) printTable(['JSON path', ...ids], differences.map(({ path, values }) => [path, ...values.map((value) => (value === undefined ? '(absent)' : JSON.stringify(value)))]));
      print.info('Metrics:');
      const { header, rows } = metricRows(runsFound);
      printTable(header, rows);
      print.ok(`Comparison with overlaid curves: ${await writeComparison(artifactRoot, runsFound)}`);
    });
}

/** A run id under the artifact root, or a run folder's path. */
async function openRun(artifactRoot: string, id: string): Promise<RunFolderSummary | undefined> {
  const candidates = [resolve(artifactRoot, folderName(id)), resolve(id)];
  for (const folder of candidates) {
    if (!existsSync(resolve(folder, 'config', 'train_params.json'))) continue;
    const run = await readRunFolder(folder, id);
    if (run.train) return run;
  }
  return undefined;
}

function rowCells(row: RunRow): string[] {
  const best = row.best ? `${row.best.monitor ? `${row.best.monitor} ` : ''}${row.best.value.toFixed(4)}` : '—';
  const start = row.start ? row.start.toISOString().replace('T', ' ').slice(0, 19) : '—';
  return [row.id, row.status, row.stage ?? '—', best, start, row.seconds !== undefined ? formatDuration(row.seconds) : '—'];
}

/** Columns padded to their widest cell. */
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  print.info(line(header));
  for (const row of rows) print.info(line(row));
}
