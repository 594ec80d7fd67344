/** Reads a JSON config file, turning unreadable files and syntax errors into `ConfigIssue`s. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { ConfigIssue, PathSegment } from './issues.js';

/** A config document: its parsed value plus where it came from and its content hash. */
export interface ConfigDocument {
  /** Absolute path of the file; undefined for an inline object. */
  file?: string;
  /** The parsed JSON value. */
  data: unknown;
  /** SHA-256 of the file bytes, or of the canonical JSON of an inline object. */
  sha256: string;
}

export type ReadOutcome = { ok: true; doc: ConfigDocument } | { ok: false; issues: ConfigIssue[] };

/**
 * Reads and parses `file`. A missing or unreadable file, or invalid JSON, is
 * reported as an issue at `referencedAt` in `referencedFrom` (the key that
 * named the file), or at the file's root when nothing referenced it.
 */
export async function readJsonConfig(
  file: string,
  referencedFrom?: { file?: string; path: PathSegment[] },
): Promise<ReadOutcome> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    return {
      ok: false,
      issues: [
        {
          ...(referencedFrom?.file ? { file: referencedFrom.file } : {}),
          path: referencedFrom?.path ?? [],
          message: `Expected a readable JSON file, but ${file} ${reason}.`,
          hint: referencedFrom
            ? 'check the path; relative paths resolve against the folder of the config file that names them.'
            : 'check the path.',
        },
      ],
    };
  }
  const text = bytes.toString('utf8');
  const errors: ParseError[] = [];
  const data: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0) {
    return {
      ok: false,
      issues: errors.map((e) => ({
        file,
        path: [],
        message: `Invalid JSON at ${lineAndColumn(text, e.offset)}: ${printParseErrorCode(e.error)}.`,
        hint: 'fix the JSON syntax (a missing comma, quote or bracket is the usual cause).',
      })),
    };
  }
  return { ok: true, doc: { file, data, sha256: sha256(bytes) } };
}

/** Wraps an inline config object as a document, hashed by its canonical JSON. */
export function inlineDocument(data: unknown): ConfigDocument {
  return { data, sha256: sha256(Buffer.from(canonicalJson(data))) };
}

/** JSON with object keys sorted, so equal objects hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
