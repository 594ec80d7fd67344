/** fast-check arbitraries for what a careless or hostile user sends: any JSON, and sample configs with a few keys deleted or set to anything. */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Values that break configs: wrong types, huge and negative numbers, empty and odd strings, nested junk. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e9, 1e308, -1e308, 0.5, '', ' ', '..', '/etc/passwd', '\u0000', 'x'.repeat(300), [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
);

/** Every path inside `value` (objects and arrays included, the root excluded). */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, inner]) => [[...prefix, key], ...pathsOf(inner, [...prefix, key])]);
}

export interface Mutation {
  path: Path;
  /** Undefined deletes the key. */
  value: Json | undefined;
}

/** One to three mutations of `sample`: a key deleted, or set to a hostile value. */
export function mutations(sample: Json): fc.Arbitrary<Mutation[]> {
  const paths = pathsOf(sample);
  const mutation = fc.record({ path: fc.constantFrom(...paths), value: fc.option(hostileValue, { nil: undefined, freq: 4 }) });
  return fc.array(mutation, { minLength: 1, maxLength: 3 });
}

/** `sample` with `changes` applied (a copy). */
export function mutate(sample: Json, changes: readonly Mutation[]): Json {
  const copy = structuredClone(sample);
  for (const { path, value } of changes) {
    let parent: Json = copy;
    for (const key of path.slice(0, -1)) {
      if (parent === null || typeof parent !== 'object') break;
      parent = (parent as Record<string | number, Json>)[key as never] ?? null;
    }
    if (parent === null || typeof parent !== 'object') continue;
    const key = path.at(-1)!;
    if (value === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Record<string, Json>)[key as string];
    } else (parent as Record<string | number, Json>)[key as never] = value;
  }
  return copy;
}
