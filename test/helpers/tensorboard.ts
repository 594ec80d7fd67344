/**
 * TensorBoard's own event-file reader (its Python `EventAccumulator`), from a
 * virtual environment in the Epochal cache that `.ci/run` creates. Tests use
 * it to check that our event files read back as written.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultCacheDir } from '../../src/cache-dir.js';

/** The TensorBoard release the reader comes from (keep in step with `.ci/run`). */
export const TENSORBOARD_VERSION = '2.21.0';

const VENV = join(defaultCacheDir(), `tensorboard-${TENSORBOARD_VERSION}`, 'venv');
const PYTHON = join(VENV, 'bin', 'python');

/** Why the reader cannot run here, with the commands that install it; undefined when it is installed. */
export const TENSORBOARD_MISSING: string | undefined = existsSync(PYTHON)
  ? undefined
  : `TensorBoard's reader is not installed (no ${PYTHON}); install it with: python3 -m venv ${VENV} && ${PYTHON} -m pip install tensorboard==${TENSORBOARD_VERSION}`;

/** Every scalar TensorBoard shows, by tag. */
export type ReadScalars = Record<string, { step: number; value: number; wallTime: number }[]>;

/** Reloads one EventAccumulator on each line of stdin and prints all its scalars as one line of JSON. */
const READER = `
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1])
for _ in sys.stdin:
    ea.Reload()
    scalars = {tag: [{"step": s.step, "value": s.value, "wallTime": s.wall_time} for s in ea.Scalars(tag)] for tag in ea.Tags()["scalars"]}
    print(json.dumps(scalars), flush=True)
`;

/**
 * Starts TensorBoard's reader on `dir`, as a running TensorBoard watches a
 * run folder: each `reload()` reads what was added since the last one and
 * returns every scalar read so far.
 */
export function tensorBoardReader(dir: string): { reload(): Promise<ReadScalars>; close(): Promise<void> } {
  const child = spawn(PYTHON, ['-c', READER, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    async reload() {
      child.stdin.write('reload\n');
      const line = await lines.next();
      if (line.done) throw new Error(`TensorBoard's reader exited without output:\n${stderr}`);
      return JSON.parse(line.value) as ReadScalars;
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/** Reads every scalar in `dir` once with TensorBoard's reader. */
export async function readTensorBoardScalars(dir: string): Promise<ReadScalars> {
  const reader = tensorBoardReader(dir);
  try {
    return await reader.reload();
  } finally {
    await reader.close();
  }
}
