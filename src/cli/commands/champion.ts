/**
 * `epochal champion show|promote`: the champion registry by hand. `show`
 * prints an experiment's champion and its promotion history; `promote` makes
 * an exported model the champion (for a model retraining cannot judge, e.g.
 * a new architecture), recorded with who did it and why.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveModel } from '../../infer/model-package.js';
import { readChampion, recordDecision, type ChampionEntry, type JudgedModel } from '../../registry/champion.js';
import { modelManifest } from '../../registry/model-digest.js';
import { defaultArtifactRoot } from '../../temporal/worker.js';
import { formatMetric, print } from '../shared.js';

interface Flags {
  artifactRoot?: string;
}

const metricsText = (metrics: Record<string, number>) =>
  Object.entries(metrics)
    .map(([name, value]) => `${name} ${formatMetric(name, value)}`)
    .join(', ') || 'no metrics';

/** A run's test metrics from its metrics.json, when the model folder sits in a run folder. */
async function testMetrics(modelDir: string): Promise<Record<string, number>> {
  try {
    const { test } = JSON.parse(await readFile(join(dirname(modelDir), 'metrics.json'), 'utf8')) as { test?: Record<string, unknown> | null };
    return Object.fromEntries(Object.entries(test ?? {}).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  } catch {
    return {};
  }
}

/** A registry entry as a decision judged it. */
const judged = ({ model, run, metrics, manifest }: ChampionEntry): JudgedModel => ({ model, run, metrics, ...(manifest ? { manifest } : {}) });

export function registerChampion(program: Command): void {
  const champion = program.command('champion').description("An experiment's champion model and its promotion history");

  champion
    .command('show')
    .description('Print the champion of an experiment and every promotion decision')
    .argument('<experiment>')
    .option('--artifact-root <dir>', 'where the registry lives (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .action(async (experiment: string, flags: Flags) => {
      const record = await readChampion(flags.artifactRoot ?? defaultArtifactRoot(), experiment);
      if (!record.current) {
        print.info(`Experiment ${experiment} has no champion yet (${record.file}).`);
        return;
      }
      print.ok(`${experiment}: ${record.current.model}`);
      print.field('run', record.current.run);
      print.field('metrics', metricsText(record.current.metrics));
      print.field('digest', record.current.manifest?.digest ?? 'none recorded (promoted before digests were kept): promote it again to pin it');
      print.field('promoted', `${record.current.promotedAt} by ${record.current.by}`);
      for (const decision of record.history) {
        const stale = decision.stale ? ` (stale: judged against a champion since replaced by ${decision.stale.current?.model ?? 'none'}; changed nothing)` : '';
        print.field(decision.stale ? 'stale' : decision.promoted ? 'promoted' : 'kept', `${decision.at} ${decision.challenger.run}: ${decision.reason}${stale}`);
      }
    });

  champion
    .command('promote')
    .description('Make an exported model the champion of an experiment, by hand')
    .argument('<experiment>')
    .argument('<model>', "an exported model folder (a run's model/)")
    .requiredOption('--reason <text>', 'why (recorded in the history)')
    .option('--artifact-root <dir>', 'where the registry lives (default: $EPOCHAL_ARTIFACT_ROOT or ./runs)')
    .action(async (experiment: string, model: string, flags: Flags & { reason: string }) => {
      const artifactRoot = flags.artifactRoot ?? defaultArtifactRoot();
      const path = resolve(model);
      await resolveModel({ type: 'exported', path }, artifactRoot); // an Epochal model package, or a clear error
      const manifest = await modelManifest(path);
      const before = await readChampion(artifactRoot, experiment);
      const at = new Date().toISOString();
      const run = basename(dirname(path));
      const recorded = await recordDecision(artifactRoot, experiment, {
        id: `manual-${at}`,
        at,
        by: `${userInfo().username} (epochal champion promote)`,
        promoted: true,
        challenger: { model: path, run, metrics: await testMetrics(path), manifest },
        ...(before.current ? { champion: judged(before.current) } : {}),
        reason: flags.reason,
      });
      const decision = recorded.history[recorded.history.length - 1]!;
      if (decision.stale) {
        print.warn(`${experiment}: another promotion landed first (${decision.stale.current?.model ?? 'none'}); nothing changed. Run the command again to promote over it.`);
        process.exitCode = 1;
        return;
      }
      print.ok(`${experiment}: ${path} is the champion${before.current ? ` (was ${before.current.model})` : ''}.`);
    });
}
