import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedCliPath, findTemporalCli, TEMPORAL_CLI_VERSION } from '../../src/temporal/cli-binary.js';

/** An executable file at `path` (the finder checks where binaries are, not what they do). */
async function executable(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '#!/bin/sh\nexit 0\n');
  await chmod(path, 0o755);
  return path;
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'epochal-cli-'));
}

describe('finding the Temporal CLI', () => {
  it('prefers $TEMPORAL_CLI_PATH over PATH and the cache', async () => {
    const dir = await scratch();
    const explicit = await executable(join(dir, 'explicit', 'temporal'));
    await executable(join(dir, 'bin', 'temporal'));
    await executable(cachedCliPath(join(dir, 'cache')));
    const cli = await findTemporalCli({
      env: { TEMPORAL_CLI_PATH: explicit, PATH: join(dir, 'bin') },
      cacheDir: join(dir, 'cache'),
      build: false,
    });
    expect(cli).toEqual({ path: explicit, source: 'env' });
  });

  it('fails clearly when $TEMPORAL_CLI_PATH names no executable', async () => {
    const dir = await scratch();
    await expect(findTemporalCli({ env: { TEMPORAL_CLI_PATH: join(dir, 'nope') }, build: false })).rejects.toThrow(
      `TEMPORAL_CLI_PATH is set to ${join(dir, 'nope')}, which is not an executable file.`,
    );
  });

  it('uses `temporal` on PATH before the cache', async () => {
    const dir = await scratch();
    const onPath = await executable(join(dir, 'bin', 'temporal'));
    await executable(cachedCliPath(join(dir, 'cache')));
    const cli = await findTemporalCli({ env: { PATH: join(dir, 'bin') }, cacheDir: join(dir, 'cache'), build: false });
    expect(cli).toEqual({ path: onPath, source: 'path' });
  });

  it('uses the cached build of the pinned version when nothing else is there', async () => {
    const dir = await scratch();
    const cached = await executable(cachedCliPath(join(dir, 'cache')));
    expect(cached).toBe(join(dir, 'cache', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal'));
    const cli = await findTemporalCli({ env: { PATH: join(dir, 'empty') }, cacheDir: join(dir, 'cache'), build: false });
    expect(cli).toEqual({ path: cached, source: 'cache' });
  });

  it('finds nothing when building is off and no binary exists, leaving the SDK download to the caller', async () => {
    const dir = await scratch();
    const cli = await findTemporalCli({ env: { PATH: join(dir, 'empty') }, cacheDir: join(dir, 'cache'), build: false });
    expect(cli).toBeUndefined();
  });

  it('finds nothing when Go is not on PATH to build with', async () => {
    const dir = await scratch();
    const cli = await findTemporalCli({ env: { PATH: join(dir, 'empty') }, cacheDir: join(dir, 'cache') });
    expect(cli).toBeUndefined();
  });
});
