/**
 * Why a command failed, said once for every command: the workflow's failure
 * (message, type, fix and where), the reason an update was refused, or the
 * address that could not be reached and how to point elsewhere; and the exit
 * code that goes with each. Pure: `main.ts` prints what `reportError` returns.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { EpochalError } from '../errors.js';
import { readFailure, splitFix, type FailureSummary } from '../temporal/failures.js';

/** The exit codes of `epochal`. */
export const EXIT = {
  /** Done as asked (`status` of a running or completed workflow included). */
  ok: 0,
  /** The job failed or was refused: a failed, terminated, cancelled or timed-out workflow, a refused update, an invalid config, an unknown workflow or schedule. */
  failed: 1,
  /** The command line was wrong, or Epochal itself hit an unexpected error. */
  usage: 2,
  /** Temporal could not be reached: no server at the address, or no such namespace there. */
  unreachable: 3,
} as const;

/** The exit codes, as `epochal --help` lists them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done (status: the workflow is running or completed)
  1  the job failed or was refused: a failed, terminated or cancelled workflow, a refused
     update, an invalid config, an unknown workflow or schedule
  2  usage error (a wrong command line), or an unexpected error in epochal itself
  3  cannot reach Temporal: no server at the address, or no such namespace`;

/** The cluster a command talked to, and what chose its address. */
export interface ClusterInfo {
  address: string;
  /** `--address`, `TEMPORAL_ADDRESS`, a profile, or the default. */
  addressFrom: string;
  namespace: string;
}

/** What to print for an error that ended a command: a headline (after ✗), labelled fields, and the exit code. */
export interface ErrorReport {
  headline: string;
  /** Further lines of a multi-line message (every problem in a config), printed as they are. */
  more: string[];
  fields: [string, string][];
  exitCode: number;
}

/** Explains an error that ended a command; `cluster` names where it was talking to, when it was. */
export function reportError(error: unknown, cluster?: ClusterInfo): ErrorReport {
  if (isUnreachable(error)) {
    const where = cluster ? ` at ${cluster.address} (${cluster.addressFrom})` : '';
    return {
      headline: `Cannot reach Temporal${where}: ${rootMessage(error)}.`,
      more: [],
      fields: [['fix', 'start a local server with `npx epochal dev`, or point at a running one with --address host:port or TEMPORAL_ADDRESS']],
      exitCode: EXIT.unreachable,
    };
  }
  if (error instanceof NamespaceNotFoundError) {
    return {
      headline: `Temporal${cluster ? ` at ${cluster.address}` : ''} has no namespace "${error.namespace}".`,
      more: [],
      fields: [['fix', `pass --namespace (or set TEMPORAL_NAMESPACE) to one it has, or create it: temporal operator namespace create --namespace ${error.namespace}`]],
      exitCode: EXIT.unreachable,
    };
  }
  if (error instanceof WorkflowFailedError) {
    const summary = readFailure(error);
    return fromSummary(`The workflow ${workflowEnding(summary)}`, summary);
  }
  if (error instanceof WorkflowUpdateFailedError) return fromSummary('The update was refused', readFailure(error));
  if (error instanceof WorkflowNotFoundError) {
    const where = cluster ? ` in namespace ${cluster.namespace} at ${cluster.address}` : '';
    const finished = /already (completed|finished)/i.test(error.message);
    return refused(
      `Workflow ${error.workflowId}${where}: ${sentence(error.message)}`,
      finished ? `it has ended; \`epochal status ${error.workflowId}\` says how` : 'check the id (temporal workflow list, or the Web UI) and --namespace',
    );
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return refused(`A workflow with id ${error.workflowId} already exists; nothing was started.`, 'choose another --id, or leave --id out for a fresh one');
  }
  if (error instanceof ScheduleNotFoundError) return refused(`${sentence(error.message)}`, '`epochal schedule list` shows the schedules there are');
  if (error instanceof ScheduleAlreadyRunning) {
    return refused(`Schedule ${error.scheduleId} already exists.`, `choose another --id, or delete it first (epochal schedule delete ${error.scheduleId})`);
  }
  if (error instanceof EpochalError) return fromSummary(undefined, readFailure(error));
  return { headline: error instanceof Error ? error.message : String(error), more: [], fields: [], exitCode: EXIT.usage };
}

/** The fields that say why a workflow failed: its type, fix and where it was raised (terminated and cancelled say it in the headline). */
export function failureFields(summary: FailureSummary): [string, string][] {
  const typed = summary.type && !['Terminated', 'Cancelled'].includes(summary.type);
  return [
    ...(typed ? [['type', `${summary.type}${summary.retryable === false ? ' (not retryable: fix the cause and start again)' : ''}`] as [string, string]] : []),
    ...(summary.fix ? [['fix', summary.fix] as [string, string]] : []),
    ...summary.where.map((where): [string, string] => ['where', where]),
  ];
}

/** How a workflow ended: it `failed`, or it `was terminated`, `was cancelled` or `timed out` as a whole. */
export function workflowEnding(summary: FailureSummary): string {
  if (summary.where.length > 0) return 'failed';
  return { Terminated: 'was terminated', Cancelled: 'was cancelled', Timeout: 'timed out' }[summary.type ?? ''] ?? 'failed';
}

/** The fields that say why a workflow ended without a result (for `status`): the reason, line by line, then type, fix and where. */
export function reasonFields(summary: FailureSummary): [string, string][] {
  const [first = '', ...more] = summary.message.split('\n');
  return [['reason', first], ...more.map((line): [string, string] => ['', line]), ...failureFields(summary)];
}

/** The report's text lines, as printed after the ✗ headline. */
export function formatReport(report: ErrorReport, field: (label: string, value: string) => string): string[] {
  return [...report.more.map((line) => `  ${line}`), ...report.fields.map(([label, value]) => field(label, value))];
}

function fromSummary(prefix: string | undefined, summary: FailureSummary): ErrorReport {
  const [first = '', ...more] = summary.message.split('\n');
  return {
    headline: prefix ? `${prefix}: ${first}` : first,
    more,
    fields: failureFields(summary),
    exitCode: EXIT.failed,
  };
}

function refused(headline: string, fix: string): ErrorReport {
  return { headline, more: [], fields: [['fix', fix]], exitCode: EXIT.failed };
}

/** A message as a sentence: capitalised, ending in a full stop. */
function sentence(message: string): string {
  const text = splitFix(message).message.trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** Whether the error (or a cause) says the server could not be reached: gRPC UNAVAILABLE, a connect deadline, a native transport error. */
export function isUnreachable(error: unknown): boolean {
  return chain(error).some(
    (link) =>
      link.message === 'Failed to connect before the deadline' ||
      link.message === 'Failed to connect to Temporal server' ||
      link.name === 'TransportError' ||
      ((link as { code?: unknown }).code === 14 && typeof (link as { details?: unknown }).details === 'string'),
  );
}

/** The innermost message of a chain, without a trailing full stop. */
function rootMessage(error: unknown): string {
  const links = chain(error);
  const message = links[links.length - 1]?.message ?? String(error);
  return message.replace(/\.$/, '');
}

function chain(error: unknown): Error[] {
  const links: Error[] = [];
  for (let link: unknown = error; link instanceof Error && links.length < 20; link = link.cause) links.push(link);
  return links;
}
