/**
 * Structural validation: runs a zod schema and turns every zod issue into an
 * Epochal `ConfigIssue` with a plain-English message and, where possible, a fix.
 */
import type { z } from 'zod';
import { describeValue, didYouMean, type ConfigIssue, type PathSegment } from './issues.js';

/** The outcome of parsing: the typed value, or every problem at once. */
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/**
 * Parses `data` with `schema`, collecting all problems rather than stopping at
 * the first. `file` is recorded on each issue so reports can name it.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  data: unknown,
  file?: string,
): ParseOutcome<z.output<S>> {
  const knownKeys = new WeakMap<object, string[]>();
  const result = schema.safeParse(data, {
    reportInput: true,
    error: (raw) => {
      const inst = raw.inst as { shape?: Record<string, unknown> } | undefined;
      if (raw.code === 'unrecognized_keys' && inst?.shape && isObject(raw.input)) {
        knownKeys.set(raw.input, Object.keys(inst.shape));
      }
      return undefined;
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.flatMap((issue) => toConfigIssues(issue, knownKeys));
  return { ok: false, issues: issues.map((issue) => (file ? { file, ...issue } : issue)) };
}

function toConfigIssues(issue: z.core.$ZodIssue, knownKeys: WeakMap<object, string[]>): ConfigIssue[] {
  const path = issue.path as PathSegment[];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = isObject(input) ? (knownKeys.get(input) ?? []) : [];
      return issue.keys.map((key) => unknownKey([...path, key], key, allowed));
    }
    case 'invalid_type':
      if (input === undefined) {
        return [{ path, message: `Missing required key; expected ${article(issue.expected)} here.` }];
      }
      return [{ path, message: `Expected ${article(issue.expected)}, but got ${describeValue(input)}.` }];
    case 'too_small':
    case 'too_big':
      return [{ path, message: boundMessage(issue, input) }];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => describeValue(v));
      const suggestion = typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : undefined;
      return [
        {
          path,
          message: `Expected one of ${allowed.join(', ')}, but got ${describeValue(input)}.`,
          ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
        },
      ];
    }
    case 'invalid_union':
      return [unionIssue(issue, path, input)];
    case 'not_multiple_of':
      return [{ path, message: `Expected a multiple of ${issue.divisor}, but got ${describeValue(input)}.` }];
    default:
      return [{ path, message: withInput(issue.message, input) }];
  }
}

function unknownKey(path: PathSegment[], key: string, allowed: string[]): ConfigIssue {
  const suggestion = didYouMean(key, allowed);
  const hint = suggestion
    ? `did you mean "${suggestion}"?`
    : allowed.length > 0
      ? `remove it; allowed keys here are ${allowed.map((k) => `"${k}"`).join(', ')}.`
      : 'remove it.';
  return { path, message: 'Unknown key.', hint };
}

function unionIssue(issue: z.core.$ZodIssueInvalidUnion, path: PathSegment[], input: unknown): ConfigIssue {
  const raw = issue as z.core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
  if (raw.discriminator && raw.options) {
    const options = raw.options.map(String);
    const got = isObject(input) ? (input as Record<string, unknown>)[raw.discriminator] : input;
    const suggestion = typeof got === 'string' ? didYouMean(got, options) : undefined;
    const atKey = path[path.length - 1] === raw.discriminator ? path : [...path, raw.discriminator];
    return {
      path: atKey,
      message:
        got === undefined
          ? `Missing "${raw.discriminator}"; expected one of ${options.map((o) => `"${o}"`).join(', ')}.`
          : `Expected one of ${options.map((o) => `"${o}"`).join(', ')}, but got ${describeValue(got)}.`,
      ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
    };
  }
  return { path, message: `Expected a value matching one of the allowed forms, but got ${describeValue(input)}.` };
}

function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, input: unknown): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive ?? true;
  const sign = small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
  switch (issue.origin) {
    case 'array':
    case 'set': {
      const count = Array.isArray(input) ? input.length : describeValue(input);
      return `Expected ${small ? 'at least' : 'at most'} ${bound} item${Number(bound) === 1 ? '' : 's'}, but got ${count}.`;
    }
    case 'string': {
      const length = typeof input === 'string' ? input.length : describeValue(input);
      return `Expected ${small ? 'at least' : 'at most'} ${bound} characters, but got ${length}.`;
    }
    default: {
      return `Expected a number ${sign} ${bound}, but got ${describeValue(input)}.`;
    }
  }
}

function withInput(message: string, input: unknown): string {
  const sentence = message.endsWith('.') ? message : `${message}.`;
  return input === undefined || message.includes('but got') ? sentence : `${sentence.slice(0, -1)}, but got ${describeValue(input)}.`;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    number: 'a number',
    int: 'an integer',
    string: 'a string',
    boolean: 'true or false',
    object: 'an object',
    array: 'an array',
    record: 'an object',
    null: 'null',
  };
  return names[expected] ?? expected;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
