/**
 * Stages on object storage. Workflows pass `s3://` references between stages;
 * a stage works on local files. `mirrored` wraps an activity so that, on a
 * worker with a mirror (see `src/store/mirror.ts`), the run folders its input
 * names and every reference in it are pulled into the mirror, the activity
 * runs on their local copies, and what it wrote (its run folders, and every
 * reference in its result) is pushed back before its result, with local
 * paths turned back into references, goes to the workflow. Inputs without
 * references run as they are.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { folderName } from '../src/artifacts/run-folder.js';
import { INDEX_FILE, STATS_FILE } from '../src/data/prepared.js';
import { ConfigError } from '../src/errors.js';
import { isStoreUrl, type Mirror } from '../src/store/mirror.js';
import { withPathMapping } from '../src/store/recorded-paths.js';
import type { ArtifactStore } from '../src/store/store.js';

export interface MirrorPlan<I> {
  /** What to pull instead of every reference in the input (the run folders are pulled regardless). */
  pulls?: (input: I) => string[];
  /** What to push besides the run folders and the result's references. */
  pushes?: (input: I) => string[];
  /** The input is configs (whose references the activity resolves itself): passed as given, nothing pulled. */
  configInput?: true;
}

export function mirrored<I, O>(mirror: Mirror | undefined, activity: (input: I) => Promise<O>, plan: MirrorPlan<I> = {}): (input: I) => Promise<O> {
  if (!mirror) return activity;
  return async (input: I): Promise<O> => {
    const given = plan.configInput ? { runs: [], urls: [] } : references(input);
    for (const run of given.runs) await mirror.pull(run, { skip: /^checkpoints\// }); // checkpoints: pulled when named
    for (const url of (plan.pulls?.(input) ?? given.urls).filter(isStoreUrl)) await mirror.pull(url);
    const toLocal = (value: string) => (isStoreUrl(value) ? mirror.local(value) : value);
    const paths = { recorded: (value: string) => mirror.url(value) ?? value, local: toLocal };
    const output = await withPathMapping(paths, () => activity(plan.configInput ? input : mapStrings(input, toLocal)));
    const result = mapStrings(output, paths.recorded);
    const written = references(result);
    const pushes = new Set([...given.runs, ...written.runs, ...written.urls, ...(plan.pushes?.(input) ?? []).filter(isStoreUrl)]);
    for (const url of pushes) await mirror.push(url);
    return result;
  };
}

/** The `s3://` references in a value, and the run folders it names (objects with an `artifactRoot` reference and a `runId`). */
export function references(value: unknown): { urls: string[]; runs: string[] } {
  const urls = new Set<string>();
  const runs = new Set<string>();
  const visit = (item: unknown, key?: string) => {
    if (typeof item === 'string') {
      if (isStoreUrl(item) && key !== 'artifactRoot') urls.add(item);
      return;
    }
    if (!item || typeof item !== 'object') return;
    const record = item as Record<string, unknown>;
    if (typeof record.artifactRoot === 'string' && isStoreUrl(record.artifactRoot) && typeof record.runId === 'string') {
      runs.add(`${record.artifactRoot.replace(/\/+$/, '')}/${folderName(record.runId)}`);
    }
    for (const [name, inner] of Object.entries(record)) visit(inner, Array.isArray(item) ? key : name);
  };
  visit(value);
  return { urls: [...urls].filter((url) => ![...runs].some((run) => url === run)), runs: [...runs] };
}

/** A copy of `value` with every string mapped. */
export function mapStrings<T>(value: T, map: (value: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, mapStrings(inner, map)])) as T;
  }
  return value;
}

/** The worker's mirror when any of `paths` is an object-store reference (undefined when none is); a worker without one refuses them. */
export function mirrorFor(mirror: Mirror | undefined, ...paths: (string | undefined)[]): Mirror | undefined {
  const remote = paths.find((path) => path !== undefined && isStoreUrl(path));
  if (!remote) return undefined;
  if (!mirror) throw new ConfigError([{ path: [], message: `${remote} is in object storage, and this worker keeps no mirror of it.`, hint: 'start the worker with epochal worker (which keeps one in EPOCHAL_MIRROR_DIR), or use a local artifact root.' }]);
  return mirror;
}

/**
 * Brings a model named by a reference into the mirror and gives its local
 * folder; local paths pass through. A checkpoint comes with its run's configs
 * and the index and statistics of its prepared data (its preprocessing).
 */
export function modelLocalizer(mirror: Mirror): (path: string) => Promise<string> {
  return async (path) => {
    if (!isStoreUrl(path)) return path;
    const [, run] = modelReferences(path);
    for (const url of modelReferences(path)) await mirror.pull(url, { skip: /^checkpoints\// });
    if (run) {
      const { dir } = JSON.parse(await readFile(join(mirror.local(run), 'data.json'), 'utf8').catch(() => '{}')) as { dir?: string };
      if (dir && isStoreUrl(dir)) for (const file of [INDEX_FILE, STATS_FILE]) await mirror.pull(`${dir}/${file}`);
    }
    return mirror.local(path);
  };
}

/** What to pull for a model reference: the folder, and for a checkpoint its run folder's files too. */
export function modelReferences(path: string): string[] {
  const checkpoint = /^(.*)\/checkpoints\/ckpt-\d+\/?$/.exec(path);
  return checkpoint ? [path, checkpoint[1]!] : [path];
}

/** Claims a folder in the store (`claim`), then brings its marker into the mirror so later local checks find it. */
export async function claimStored(mirror: Mirror, url: string, claim: (store: ArtifactStore, key: string) => Promise<void>): Promise<void> {
  const { store, key } = mirror.locate(url);
  await claim(store, key);
  await mirror.pull(url, { skip: /^checkpoints\// });
}
