import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunOwner, claimRunFolder, OWNER_FILE } from '../../src/artifacts/run-owner.js';
import { RunFolderError } from '../../src/errors.js';

const first = { workflowId: 'run-a', firstRunId: 'r1' };
const folder = async () => join(await mkdtemp(join(tmpdir(), 'epochal-owner-')), 'run');

describe('run folder ownership', () => {
  it('the first claim records the workflow and its first run id; claiming again for the same workflow is a no-op', async () => {
    const root = await folder();
    await claimRunFolder(root, first);
    await claimRunFolder(root, first);
    expect(JSON.parse(await readFile(join(root, OWNER_FILE), 'utf8'))).toMatchObject(first);
    await expect(checkRunOwner(root, first)).resolves.toBeUndefined();
  });

  it('a new workflow under the same id (another first run id) is refused, naming the owner and the fix', async () => {
    const root = await folder();
    await claimRunFolder(root, first);
    const again = { workflowId: 'run-a', firstRunId: 'r2' };
    const error = await claimRunFolder(root, again).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as RunFolderError).type).toBe('RunFolderTaken');
    expect((error as Error).message).toContain(`Run folder ${root} belongs to an earlier workflow with the same id (first run r1`);
    expect((error as Error).message).toContain('Fix: start the run under another id');
    await expect(checkRunOwner(root, again)).rejects.toThrow(/belongs to an earlier workflow with the same id/);
  });

  it('of two workflows racing for one folder, exactly one wins', async () => {
    const root = await folder();
    const claims = await Promise.allSettled([claimRunFolder(root, first), claimRunFolder(root, { workflowId: 'run-b', firstRunId: 'r9' })]);
    expect(claims.filter((claim) => claim.status === 'fulfilled')).toHaveLength(1);
    const lost = claims.find((claim) => claim.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(RunFolderError);
  });

  it('a folder of the user’s with files in it is never claimed, and nothing is written into it', async () => {
    const root = await folder();
    await mkdir(root);
    await writeFile(join(root, 'notes.txt'), 'mine');
    await expect(claimRunFolder(root, first)).rejects.toThrow(`Run folder ${root} already holds files (notes.txt) that no Epochal workflow wrote; nothing was written into it.`);
    expect(await readdir(root)).toEqual(['notes.txt']);
  });

  it('a stage finds a folder whose owner file is gone and refuses to write', async () => {
    const root = await folder();
    await mkdir(root);
    await expect(checkRunOwner(root, first)).rejects.toThrow(`Run folder ${root} lost its owner.json`);
  });
});
