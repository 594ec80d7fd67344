import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowed, isInside, rootsFromEnv, workerRoots } from '../../src/config/roots.js';

async function layout() {
  const base = await mkdtemp(join(tmpdir(), 'epochal-roots-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'data'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'data', 'a.csv'), 'x\n1\n');
  await writeFile(join(outside, 'secret.txt'), 'API_KEY=hunter2\n');
  return { root, outside };
}

describe('confinement to roots', () => {
  it('lets a worker use paths under its roots, even ones not created yet', async () => {
    const { root } = await layout();
    expect(await isInside(join(root, 'data', 'a.csv'), [root])).toBe(true);
    expect(await isInside(join(root, 'new', 'deeper', 'out.csv'), [root])).toBe(true);
    expect(await isInside(root, [root])).toBe(true);
  });

  it('refuses paths that climb out with .., and neighbours that only share a prefix', async () => {
    const { root, outside } = await layout();
    expect(await isInside(join(root, 'data', '..', '..', 'outside', 'secret.txt'), [root])).toBe(false);
    expect(await isInside(`${root}-evil/x`, [root])).toBe(false);
    expect(await isInside(join(outside, 'secret.txt'), [root])).toBe(false);
  });

  it('follows symbolic links: a link inside a root to a file outside is outside', async () => {
    const { root, outside } = await layout();
    await symlink(join(outside, 'secret.txt'), join(root, 'data', 'innocent.csv'));
    await symlink(outside, join(root, 'escape'));
    expect(await isInside(join(root, 'data', 'innocent.csv'), [root])).toBe(false);
    expect(await isInside(join(root, 'escape', 'new-file.csv'), [root])).toBe(false); // writing through a linked folder
  });

  it('checks a glob by its fixed folders and by every file it matches', async () => {
    const { root, outside } = await layout();
    const roots = { read: [root], write: [] };
    expect(await allowed(join(root, 'data', '*.csv'), 'read', roots)).toBe(true);
    await symlink(join(outside, 'secret.txt'), join(root, 'data', 'b.csv'));
    expect(await allowed(join(root, 'data', '*.csv'), 'read', roots)).toBe(false);
    expect(await allowed(join(outside, '*.txt'), 'read', roots)).toBe(false);
  });

  it('defaults to the working folder and the artifact root, for reading and writing', () => {
    expect(workerRoots({ cwd: '/work', artifactRoot: '/work/runs' })).toEqual({ read: ['/work', '/work/runs'], write: ['/work', '/work/runs'] });
    expect(workerRoots({ cwd: '/work', artifactRoot: '/srv/runs', read: ['data'], write: [] })).toEqual({ read: ['/work/data'], write: ['/work', '/srv/runs'] });
  });

  it('takes an s3:// artifact root as it is, and lets a worker use references under an s3:// root only', async () => {
    const roots = workerRoots({ cwd: '/work', artifactRoot: 's3://bucket/runs' });
    expect(roots).toEqual({ read: ['/work', 's3://bucket/runs'], write: ['/work', 's3://bucket/runs'] });
    expect(await allowed('s3://bucket/runs/a/model', 'read', roots)).toBe(true);
    expect(await allowed('s3://bucket/runs', 'write', roots)).toBe(true);
    expect(await allowed('s3://bucket/runs-evil/a', 'read', roots)).toBe(false);
    expect(await allowed('s3://bucket/runs/../private/a', 'read', roots)).toBe(false);
    expect(await allowed('s3://other/runs/a', 'read', roots)).toBe(false);
    expect(await allowed('s3://bucket/runs/a', 'read', { read: ['/work'], write: [] })).toBe(false);
  });

  it('reads EPOCHAL_READ_ROOTS like PATH, without splitting an s3:// root at its colon', () => {
    expect(rootsFromEnv({ EPOCHAL_READ_ROOTS: '/data:s3://bucket/runs:/more', EPOCHAL_WRITE_ROOTS: 's3://bucket' })).toEqual({ read: ['/data', 's3://bucket/runs', '/more'], write: ['s3://bucket'] });
  });
});
