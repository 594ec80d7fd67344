/**
 * Verified atomic writes: a file is replaced whole or not at all, and a write
 * that does not reach the disk whole (a short write the system did not
 * report, a full disk) fails, naming the file and the fix, leaving the old
 * content and no temporary files behind.
 */
import { mkdtemp, open, readdir, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomically } from '../../src/artifacts/atomic.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return { ...actual, open: vi.fn(actual.open) };
});

/** The next file opened for writing gets a handle whose writes behave as `write` says. */
function nextWrite(write: (handle: FileHandle, data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number; buffer: Uint8Array }>) {
  const realOpen = vi.mocked(open).getMockImplementation()!;
  vi.mocked(open).mockImplementationOnce(async (...args: Parameters<typeof open>) => {
    const handle = await realOpen(...args);
    return new Proxy(handle, {
      get: (target, key) => (key === 'write' ? (data: Uint8Array, offset: number, length: number) => write(target, data, offset, length) : Reflect.get(target, key, target)),
    });
  });
}

async function folderWithOldFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'epochal-atomic-'));
  await writeFile(join(dir, 'part-00000.csv'), 'old,content\n');
  return dir;
}

afterEach(() => {
  vi.mocked(open).mockClear();
});

describe('writeFileAtomically', () => {
  it('replaces a file with the new content, and leaves nothing else', async () => {
    const dir = await folderWithOldFile();
    await writeFileAtomically(join(dir, 'part-00000.csv'), 'id,class\nn1,W\n');
    expect(await readFile(join(dir, 'part-00000.csv'), 'utf8')).toBe('id,class\nn1,W\n');
    expect(await readdir(dir)).toEqual(['part-00000.csv']);
  });

  it('refuses a write the disk silently cut short (it reported every byte written), keeping the old content', async () => {
    const dir = await folderWithOldFile();
    const data = Buffer.from('id,class\n' + 'n,W\n'.repeat(600));
    nextWrite(async (handle, bytes, offset, length) => {
      const half = Math.floor(length / 2);
      await handle.write(bytes, offset, half);
      return { bytesWritten: length, buffer: bytes }; // as a full but lossy device might
    });
    const error = await writeFileAtomically(join(dir, 'part-00000.csv'), data).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toBe(
      `Writing ${join(dir, 'part-00000.csv')} failed: ${Math.floor(data.length / 2)} of ${data.length} bytes reached the disk. ` +
        `Fix: free space on the disk holding ${dir}, or point the artifact root (or the output path) at a larger one; the write is retried.`,
    );
    expect(await readFile(join(dir, 'part-00000.csv'), 'utf8')).toBe('old,content\n');
    expect(await readdir(dir)).toEqual(['part-00000.csv']);
  });

  it('keeps writing after short writes the system reports, and fails when the disk takes no more', async () => {
    const dir = await folderWithOldFile();
    nextWrite(async (handle, bytes, offset, length) => handle.write(bytes, offset, Math.min(length, 7)));
    await writeFileAtomically(join(dir, 'a.txt'), 'written seven bytes at a time');
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('written seven bytes at a time');

    let calls = 0;
    nextWrite(async (handle, bytes, offset) => (calls++ === 0 ? handle.write(bytes, offset, 5) : { bytesWritten: 0, buffer: bytes }));
    await expect(writeFileAtomically(join(dir, 'b.txt'), 'only five bytes fit')).rejects.toThrow(`Writing ${join(dir, 'b.txt')} failed: the disk took 5 of 19 bytes and then no more.`);
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'part-00000.csv']);
  });

  it('names a full disk and the fix', async () => {
    const dir = await folderWithOldFile();
    nextWrite(async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    await expect(writeFileAtomically(join(dir, 'part-00000.csv'), 'new')).rejects.toThrow(
      `Writing ${join(dir, 'part-00000.csv')} failed: the disk took 0 of 3 bytes (ENOSPC: the disk holding ${dir} is full or over quota). Fix: free space`,
    );
    expect(await readFile(join(dir, 'part-00000.csv'), 'utf8')).toBe('old,content\n');
  });
});
