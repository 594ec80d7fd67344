import { access, chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cachedCliPath, findTemporalCli, TEMPORAL_CLI_VERSION } from '../../src/temporal/cli-binary.js';

/**
 * A stand-in `go` on an otherwise empty PATH: it records how it was called,
 * takes `ms` as a build would, then writes `$GOBIN/temporal` (or fails).
 */
async function standInGo(ms: number, outcome: 'builds' | 'fails'): Promise<{ dir: string; bin: string; calls: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'epochal-go-'));
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls.json');
  await mkdir(bin);
  const script = `#!${process.execPath}
const { writeFileSync, chmodSync } = require('node:fs');
writeFileSync(${JSON.stringify(calls)}, JSON.stringify({ args: process.argv.slice(2), cgo: process.env.CGO_ENABLED }));
setTimeout(() => {
  if (${JSON.stringify(outcome)} === 'fails') process.exit(1);
  writeFileSync(process.env.GOBIN + '/temporal', '#!/bin/sh\\nexit 0\\n');
  chmodSync(process.env.GOBIN + '/temporal', 0o755);
}, ${ms});
`;
  await writeFile(join(bin, 'go'), script);
  await chmod(join(bin, 'go'), 0o755);
  return { dir, bin, calls };
}

/** Log lines with the time each arrived, in ms since `start`. */
function timedLog(start: number) {
  const lines: { at: number; message: string }[] = [];
  return { lines, log: (message: string) => lines.push({ at: Date.now() - start, message }) };
}

const HEARTBEAT = /^ {2}still building the Temporal CLI… \d+ s \(usually 2–10 min\)$/;

describe('building the Temporal CLI with Go', () => {
  it('says up front how long a build usually takes, then that it is still going at every heartbeat, then how long it took', async () => {
    const go = await standInGo(1_000, 'builds');
    const { lines, log } = timedLog(Date.now());
    const cacheDir = join(go.dir, 'cache');
    const cli = await findTemporalCli({ env: { PATH: go.bin }, cacheDir, log, heartbeatMs: 200 });

    expect(cli).toEqual({ path: cachedCliPath(cacheDir), source: 'built' });
    await access(cachedCliPath(cacheDir));
    expect(JSON.parse(await readFile(go.calls, 'utf8'))).toEqual({
      args: ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      cgo: '0',
    });

    const messages = lines.map((line) => line.message);
    expect(messages[0]).toBe(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${join(cacheDir, `temporal-${TEMPORAL_CLI_VERSION}`)}, once ` +
        '(usually 2–10 min: about 2.5 min on a quiet 2-core machine, up to 10 under load)',
    );
    expect(messages.at(-1)).toMatch(new RegExp(`^Built ${cachedCliPath(cacheDir)} in \\d+ s$`));
    const heartbeats = messages.slice(1, -1);
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    for (const heartbeat of heartbeats) expect(heartbeat).toMatch(HEARTBEAT);
    // Never silent for much longer than the heartbeat interval.
    const gaps = lines.slice(1).map((line, i) => line.at - lines[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(1_000);
  });

  it('stops the heartbeat and says how long it ran when the build fails, leaving no binary behind', async () => {
    const go = await standInGo(500, 'fails');
    const { lines, log } = timedLog(Date.now());
    const cacheDir = join(go.dir, 'cache');
    await expect(findTemporalCli({ env: { PATH: go.bin }, cacheDir, log, heartbeatMs: 100 })).rejects.toThrow(
      new RegExp(`^Building the Temporal CLI failed after \\d+ s: ${join(go.bin, 'go')} install \\S+ exited with code 1$`),
    );
    await expect(access(cachedCliPath(cacheDir))).rejects.toThrow(/ENOENT/);
    const heard = lines.length;
    expect(lines.filter((line) => HEARTBEAT.test(line.message)).length).toBeGreaterThanOrEqual(2);
    await sleep(300);
    expect(lines).toHaveLength(heard);
  });
});
