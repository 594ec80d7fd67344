/** Helpers shared by the CLI commands: cluster flags, config kinds, output. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { formatIssues } from '../config/issues.js';
import type { ConfigKind } from '../config/json-schema.js';
import { ConfigError } from '../errors.js';
import type { ClusterOptions } from '../temporal/connection.js';

/** Adds `--address` and `--namespace`, which override TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE and profiles. */
export function withClusterOptions(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend address (default: TEMPORAL_ADDRESS, profile, or localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE, profile, or "default")');
}

/** The cluster flags of a parsed command, without the ones left unset. */
export function clusterOptions(flags: { address?: string; namespace?: string }): ClusterOptions {
  return {
    ...(flags.address ? { address: flags.address } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  };
}

/** Which kind of config a file is, from its name (`*train_params*.json`) or, failing that, its `$schema`. */
export function detectConfigKind(file: string, data: unknown): ConfigKind | undefined {
  const kinds: ConfigKind[] = ['train_params', 'net_params', 'infer_params', 'sweep_params'];
  const byName = kinds.find((kind) => basename(file).includes(kind));
  if (byName) return byName;
  const schema = (data as { $schema?: unknown } | undefined)?.$schema;
  return typeof schema === 'string' ? kinds.find((kind) => schema.includes(kind)) : undefined;
}

/** The width labels are padded to, unless a group of fields has a longer one. */
const LABEL_WIDTH = 12;

/** One `  label       value` line; `width` pads the label (a group's longest label keeps its values aligned). */
export function fieldLine(label: string, value: string, width = LABEL_WIDTH): string {
  return `  ${pc.dim(label.padEnd(width))} ${value}`;
}

/** The label width that aligns a group of fields: the longest label, and at least the usual width. */
export function labelWidth(fields: readonly (readonly [string, string])[]): number {
  return Math.max(LABEL_WIDTH, ...fields.map(([label]) => label.length));
}

export const print = {
  ok: (message: string) => console.log(`${pc.green('✓')} ${message}`),
  info: (message: string) => console.log(message),
  fail: (message: string) => console.error(`${pc.red('✗')} ${message}`),
  warn: (message: string) => console.error(`${pc.yellow('!')} ${message}`),
  /** A state that is fine (✓) or not (✗), as a command's answer on stdout (`status` of a failed run). */
  state: (fine: boolean, message: string) => console.log(`${fine ? pc.green('✓') : pc.red('✗')} ${message}`),
  field: (label: string, value: string) => console.log(fieldLine(label, value)),
  /** Fields printed together, their values aligned however long a label is. */
  fields: (fields: readonly (readonly [string, string])[]) => {
    const width = labelWidth(fields);
    for (const [label, value] of fields) console.log(fieldLine(label, value, width));
  },
};

/** A count for display: `1,234`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en');
}

/** A named metric for display: counts (`count`, `records`, `...Count`) as whole numbers, the rest to 4 decimals. */
export function formatMetric(name: string, value: number): string {
  return /(count|records)$/i.test(name) && Number.isInteger(value) ? formatCount(value) : value.toFixed(4);
}

/** Resolves when the process receives SIGINT or SIGTERM (Ctrl-C). */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Loads a config before anything starts; an invalid one is reported (every problem) and gives undefined, so a broken config never becomes a failed run. */
export async function loadOrReport<T>(file: string, load: (file: string) => Promise<T>): Promise<T | undefined> {
  try {
    return await load(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print.fail(`${file} is invalid; nothing was started:`);
    console.error(formatIssues(error.issues));
    process.exitCode = 1;
    return undefined;
  }
}
