import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFolderOnce, sweepDeadStaging } from '../../src/artifacts/atomic.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('staging folders of killed writers', () => {
  it('are swept when the process that wrote them is gone; those of live processes and other machines stay', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'epochal-staging-'));
    const dead = `0123abcd.staging-${hostname()}-${deadPid()}-00ff00ff`;
    const deadRetired = `model.retired-${hostname()}-${deadPid()}-0a0b0c0d`;
    const live = `4567ef01.staging-${hostname()}-${process.pid}-11223344`;
    const elsewhere = `89ab.staging-another-host-${deadPid()}-55667788`;
    const users = 'holiday.staging-photos';
    for (const name of [dead, deadRetired, live, elsewhere, users]) await mkdir(join(parent, name, 'inside'), { recursive: true });
    await sweepDeadStaging(parent);
    expect((await readdir(parent)).sort()).toEqual([live, elsewhere, users].sort());
  });

  it('are swept by the next write into the same folder (a prepareData killed mid-way)', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'epochal-prepared-'));
    const killed = `fingerprint-a.staging-${hostname()}-${deadPid()}-deadbeef`;
    await mkdir(join(cache, killed, 'train-00000.bin'), { recursive: true });
    await createFolderOnce(join(cache, 'fingerprint-b'), async () => {});
    expect(await readdir(cache)).toEqual(['fingerprint-b']);
  });
});
