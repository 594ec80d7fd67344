import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleOutputs } from '../../src/infer/output-folder.js';

describe('tidying an output folder after a job', () => {
  it('removes only shard files Epochal wrote (with their marker) that this run did not, and writes cut short; never a file of the user’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'epochal-stale-'));
    const files = {
      'part-00000.csv': 'this run',
      'part-00000.csv.done.json': '{}',
      'part-00001.csv': 'an earlier run of the job',
      'part-00001.csv.done.json': '{}',
      'part-00002.npy': 'an earlier run, as NPY',
      'part-00002.npy.done.json': '{}',
      'part-00002.ids.txt': 'ids',
      'part-00003.csv': 'the user’s, no marker',
      'part-00004.csv.ids.txt': 'the user’s',
      '.part-00005.csv.tmp-0a1b2c3d': 'cut short',
      '.manifest.json.tmp-deadbeef': 'cut short',
      '.notes.tmp-1234': 'the user’s',
      'notes.md': 'the user’s',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await removeStaleOutputs(dir, [join(dir, 'part-00000.csv')]);
    expect((await readdir(dir)).sort()).toEqual(['.notes.tmp-1234', 'notes.md', 'part-00000.csv', 'part-00000.csv.done.json', 'part-00003.csv', 'part-00004.csv.ids.txt']);
  });
});
