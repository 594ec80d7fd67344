/**
 * The JSON paths a sweep varies: `train.training.optimizer.learningRate`,
 * `net.blocks.tcn.channels[0]`, `net.blocks["odd-name"].units` — the inverse
 * of `formatPath`, rooted at the train or the net params.
 */
import { didYouMean, formatPath, type PathSegment } from '../config/issues.js';

/** Which document a swept path points into. */
export type SweepRoot = 'train' | 'net';

export interface SweepPath {
  root: SweepRoot;
  /** Segments below the root. */
  path: PathSegment[];
}

const SEGMENT = /^(?:\.([^.[\]"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** Parses a swept path; a string saying what is wrong when it is not one. */
export function parseSweepPath(text: string): SweepPath | string {
  const root = /^(train|net)(?=[.[]|$)/.exec(text)?.[1] as SweepRoot | undefined;
  if (!root) return `it starts with neither "train" nor "net"`;
  const path: PathSegment[] = [];
  let rest = text.slice(root.length);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) return `it cannot be read from "${rest}" on (write .key, [index] or ["key"])`;
    path.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : (JSON.parse(match[3]!) as string)));
    rest = rest.slice(match[0].length);
  }
  if (path.length === 0) return `it names the whole ${root} params, not a value in them`;
  return { root, path };
}

/** A swept path written back as text (`train.training.optimizer.learningRate`). */
export function formatSweepPath({ root, path }: SweepPath): string {
  const below = formatPath(path);
  return below.startsWith('[') ? `${root}${below}` : `${root}.${below}`;
}

/** Why `path` leads nowhere in `document` (undefined when it names a value there). */
export function missingAt(document: unknown, path: readonly PathSegment[]): string | undefined {
  let node: unknown = document;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const where = i === 0 ? 'the top level' : formatPath(path.slice(0, i));
    if (Array.isArray(node)) {
      if (typeof segment !== 'number') return `${where} is a list, so it takes an [index], not "${segment}"`;
      if (segment >= node.length) return `${where} has ${node.length} item${node.length === 1 ? '' : 's'}, so [${segment}] is past its end`;
      node = node[segment];
    } else if (isObject(node)) {
      const key = String(segment);
      if (!(key in node)) {
        const suggestion = didYouMean(key, Object.keys(node));
        return `${where} has no key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ` (its keys: ${Object.keys(node).join(', ')})`}`;
      }
      node = node[key];
    } else {
      return `${where} is ${JSON.stringify(node)}, which has no "${segment}"`;
    }
  }
  return undefined;
}

/** A deep copy of `document` with the value at `path` replaced (the path must exist: see `missingAt`). */
export function withValueAt<T>(document: T, path: readonly PathSegment[], value: unknown): T {
  const copy = structuredClone(document);
  let node = copy as Record<PathSegment, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<PathSegment, unknown>;
  node[path[path.length - 1]!] = structuredClone(value);
  return copy;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Short names for swept paths, for tables and labels: the last segment
 * (`learningRate`), or as many trailing segments as keep the names apart
 * (`hidden.units`, `trunk.units`).
 */
export function shortNames(keys: readonly string[]): Record<string, string> {
  const words = keys.map((key) => {
    const parsed = parseSweepPath(key);
    if (typeof parsed === 'string') return [key];
    // An index belongs to the word before it: channels[0].
    return [parsed.root, ...parsed.path].reduce<string[]>((list, segment) => (typeof segment === 'number' ? [...list.slice(0, -1), `${list.at(-1)}[${segment}]`] : [...list, segment]), []);
  });
  const name = (list: string[], length: number) => list.slice(-length).join('.');
  return Object.fromEntries(
    keys.map((key, i) => {
      const own = words[i]!;
      let length = 1;
      while (length < own.length && words.some((other, j) => j !== i && name(other, length) === name(own, length))) length += 1;
      return [key, name(own, length)];
    }),
  );
}
