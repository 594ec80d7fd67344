/**
 * `epochal schedule create|list|describe|pause|unpause|trigger|delete`:
 * recurring retraining with Temporal Schedules. Each action starts
 * `retrainingPipeline` on a train_params file; overlapping runs are skipped
 * by default (a retraining still running when the next is due), and missed
 * runs are caught up within the catch-up window after an outage.
 */
import { resolve } from 'node:path';
import type { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Command } from 'commander';
import { loadTrainConfig } from '../../config/load.js';
import { ORCHESTRATION_TASK_QUEUE, connectClient } from '../../temporal/connection.js';
import { EXPERIMENT } from '../../../workflows/search-attributes.js';
import { encryptsPayloads } from '../../temporal/start.js';
import type { retrainingPipeline } from '../../../workflows/retraining-pipeline.js';
import { EXIT } from '../failures.js';
import { clusterOptions, loadOrReport, print, withClusterOptions } from '../shared.js';

type Flags = { address?: string; namespace?: string };

interface CreateFlags extends Flags {
  id: string;
  train: string;
  every?: string;
  cron?: string;
  overlap: string;
  catchupWindow?: string;
  paused?: boolean;
  taskQueue: string;
  trainingTaskQueue?: string;
}

/** 86400000 → "1d", 90000 → "90s". */
function duration(ms: number): string {
  const [unit, name] = ([[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']] as const).find(([u]) => ms % u === 0) ?? [1, 'ms'];
  return `${ms / unit}${name}`;
}

const OVERLAP = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];

/** Runs `use` with a client; its errors (an unknown schedule, say) are reported by main.ts. */
async function withClient<T>(flags: Flags, use: (client: Awaited<ReturnType<typeof connectClient>>) => Promise<T>): Promise<T> {
  const client = await connectClient(clusterOptions(flags));
  try {
    return await use(client);
  } finally {
    await client.connection.close();
  }
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('Recurring retraining (retrainingPipeline) with Temporal Schedules');

  withClusterOptions(schedule.command('create').description('Create a schedule that runs retrainingPipeline on a train_params file'))
    .requiredOption('--id <scheduleId>', 'schedule id')
    .requiredOption('--train <train_params>', 'train_params.json (validated now; its absolute path is what runs)')
    .option('--every <interval>', 'run at this interval: 30m, 12h, 1d, ...')
    .option('--cron <expression>', 'run on this cron expression (UTC), e.g. "0 3 * * *"')
    .option('--overlap <policy>', `when a run is still going at the next time: ${OVERLAP.join(', ')}`, 'skip')
    .option('--catchup-window <duration>', 'after an outage, take missed runs this far back (e.g. 1h); the server default otherwise')
    .option('--paused', 'create it paused')
    .option('--task-queue <name>', 'orchestration task queue', ORCHESTRATION_TASK_QUEUE)
    .option('--training-task-queue <name>', "train on this task queue instead of train_params' training.taskQueue")
    .action(async (flags: CreateFlags) => {
      if (Boolean(flags.every) === Boolean(flags.cron)) {
        print.fail('Give exactly one of --every <interval> or --cron <expression>.');
        process.exitCode = EXIT.usage;
        return;
      }
      if (!OVERLAP.includes(flags.overlap.toLowerCase())) {
        print.fail(`--overlap must be one of ${OVERLAP.join(', ')}; got "${flags.overlap}".`);
        process.exitCode = EXIT.usage;
        return;
      }
      const config = await loadOrReport(flags.train, loadTrainConfig);
      if (!config) return;
      const { train } = config;
      await withClient(flags, async (client) => {
        await client.schedule.create({
          scheduleId: flags.id,
          spec: flags.every ? { intervals: [{ every: flags.every }] } : { cronExpressions: [flags.cron!] },
          action: {
            type: 'startWorkflow',
            workflowType: 'retrainingPipeline' satisfies (typeof retrainingPipeline)['name'],
            workflowId: `retrain-${flags.id}`,
            taskQueue: flags.taskQueue,
            args: [{ trainParams: resolve(flags.train), ...(flags.trainingTaskQueue ? { trainingTaskQueue: flags.trainingTaskQueue } : {}) }],
            ...(encryptsPayloads(client) ? {} : { typedSearchAttributes: [{ key: EXPERIMENT, value: train.experiment }] }),
            staticSummary: `Retrain ${train.experiment} (schedule ${flags.id})`,
          },
          policies: {
            overlap: flags.overlap.toUpperCase() as ScheduleOverlapPolicy,
            ...(flags.catchupWindow ? { catchupWindow: flags.catchupWindow } : {}),
          },
          state: { paused: Boolean(flags.paused), note: `Created by epochal for experiment ${train.experiment}` },
        });
        print.ok(`Created schedule ${flags.id}: retrainingPipeline on ${resolve(flags.train)} ${flags.every ? `every ${flags.every}` : `on cron "${flags.cron}"`}${flags.paused ? ' (paused)' : ''}`);
      });
    });

  withClusterOptions(schedule.command('list').description('List schedules')).action((flags: Flags) =>
    withClient(flags, async (client) => {
      let any = false;
      for await (const summary of client.schedule.list()) {
        any = true;
        const workflowType = summary.action?.type === 'startWorkflow' ? summary.action.workflowType : '—';
        const next = summary.info.nextActionTimes[0]?.toISOString() ?? '—';
        print.info(`${summary.scheduleId}  ${workflowType}  ${summary.state.paused ? 'paused' : 'active'}  next ${next}`);
      }
      if (!any) print.info('No schedules.');
    }),
  );

  withClusterOptions(schedule.command('describe').description('What a schedule runs, when, and what it ran last'))
    .argument('<scheduleId>')
    .action((scheduleId: string, flags: Flags) =>
      withClient(flags, async (client) => {
        const d = await client.schedule.getHandle(scheduleId).describe();
        const spec = [...(d.spec.intervals ?? []).map((i) => `every ${typeof i.every === 'number' ? duration(i.every) : String(i.every)}`), ...(d.spec.calendars ?? []).map((c) => `calendar ${JSON.stringify(c)}`)];
        print.ok(`${scheduleId}: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`);
        if (d.action.type === 'startWorkflow') {
          print.field('runs', `${d.action.workflowType} on ${d.action.taskQueue}`);
          print.field('input', JSON.stringify(d.action.args?.[0]));
        }
        print.field('when', spec.join(', ') || '—');
        print.field('overlap', `${(d.policies.overlap ?? 'SKIP').toLowerCase()}; catch-up window ${duration(d.policies.catchupWindow)}`);
        print.field('next', d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || '—');
        print.field('actions', `${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped (overlap)`);
        for (const action of d.info.recentActions.slice(-5)) print.field('recent', `${action.takenAt.toISOString()} ${action.action.workflow.workflowId}`);
      }),
    );

  const simple = (name: string, description: string, run: (handle: ReturnType<Awaited<ReturnType<typeof connectClient>>['schedule']['getHandle']>) => Promise<void>, done: string) =>
    withClusterOptions(schedule.command(name).description(description))
      .argument('<scheduleId>')
      .action((scheduleId: string, flags: Flags) =>
        withClient(flags, async (client) => {
          await run(client.schedule.getHandle(scheduleId));
          print.ok(`${scheduleId}: ${done}`);
        }),
      );
  simple('pause', 'Pause a schedule (no runs until unpaused)', (h) => h.pause('Paused with epochal schedule pause'), 'paused.');
  simple('unpause', 'Resume a paused schedule', (h) => h.unpause('Unpaused with epochal schedule unpause'), 'unpaused.');
  simple('trigger', 'Run a schedule now (its overlap policy applies)', (h) => h.trigger(), 'triggered.');
  simple('delete', 'Delete a schedule (runs it started go on)', (h) => h.delete(), 'deleted.');
}
