/**
 * A model's identity is its bytes: the SHA-256 of each file that makes up the
 * model (`model.json`, the weight files it names, and the network and
 * preprocessing an exported model carries), and one digest over that list.
 * The champion registry records it on promotion; inference and promotion
 * verify a folder against it before they use it, so a folder edited or
 * replaced after it was judged is never scored as the champion.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../config/read-json.js';
import { ModelChangedError } from '../errors.js';

/** Files beside `model.json` that belong to an exported model. */
const PACKAGE_FILES = ['net_params.json', 'preprocessing.json'];

export interface ModelManifest {
  /** SHA-256 over the sorted `files` list: the model's identity. */
  digest: string;
  /** File name (relative to the model folder) → SHA-256 of its bytes. */
  files: Record<string, string>;
}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The files of the model in `folder` and their hashes (weights as `model.json` names them). */
export async function modelManifest(folder: string): Promise<ModelManifest> {
  const modelJson = await readFile(join(folder, 'model.json'));
  const names = new Set(['model.json', ...weightFiles(modelJson), ...PACKAGE_FILES]);
  const files: Record<string, string> = {};
  for (const name of [...names].sort()) {
    const bytes = name === 'model.json' ? modelJson : await readIfPresent(join(folder, name));
    if (bytes) files[name] = sha256(bytes);
    else if (!PACKAGE_FILES.includes(name)) files[name] = 'missing';
  }
  return { digest: sha256(JSON.stringify(Object.entries(files))), files };
}

function weightFiles(modelJson: Buffer): string[] {
  try {
    const { weightsManifest = [] } = JSON.parse(modelJson.toString('utf8')) as { weightsManifest?: { paths?: string[] }[] };
    return weightsManifest.flatMap((group) => group.paths ?? []).filter((path) => typeof path === 'string' && !path.includes('/') && !path.includes('\\') && path !== '..');
  } catch {
    return []; // not JSON: its own hash already differs
  }
}

/**
 * Checks that the model in `folder` is byte for byte the one recorded as
 * `expected`; returns its manifest. Fails with a non-retryable
 * `ModelChangedError` naming every changed file and the fix otherwise.
 */
export async function verifyModel(folder: string, expected: ModelManifest | { digest: string }, what: string): Promise<ModelManifest> {
  const actual = await modelManifest(folder);
  if (actual.digest === expected.digest) return actual;
  const recorded = 'files' in expected ? expected.files : undefined;
  const changed = recorded
    ? [...new Set([...Object.keys(recorded), ...Object.keys(actual.files)])].filter((name) => recorded[name] !== actual.files[name]).sort()
    : Object.keys(actual.files);
  throw new ModelChangedError(
    `The model in ${folder} is not the ${what} that was recorded (digest ${expected.digest.slice(0, 12)}…, now ${actual.digest.slice(0, 12)}…; ` +
      `changed: ${changed.join(', ')}). It was not used. Fix: restore the folder, or promote the model as it is now (epochal champion promote), or point the job at another model.`,
    folder,
    changed,
  );
}
