/** `epochal worker --help` and the plugin's options agree: every option has its flag, every flag is an option or says where the worker connects. */
import { describe, expect, it } from 'vitest';
import { WORKER_FLAGS } from '../../src/cli/commands/worker.js';
import { epochal } from '../helpers/processes.js';

/** Flags of the worker process itself, not of the plugin: which cluster, which orchestration queue, help. */
const PROCESS_FLAGS = ['--address', '--namespace', '--task-queue', '--help'];

describe('epochal worker --help', () => {
  it('offers a flag for every plugin option, and no flag that is not one (or the process\'s own)', async () => {
    const { code, stdout } = await epochal(['worker', '--help']);
    expect(code).toBe(0);
    const offered = [...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((match) => match[1]!);
    const fromOptions = Object.values(WORKER_FLAGS).flatMap((source) => source.match(/--[a-z-]+/g) ?? []);
    expect(fromOptions.filter((flag) => !offered.includes(flag))).toEqual([]);
    expect(offered.filter((flag) => !fromOptions.includes(flag) && !PROCESS_FLAGS.includes(flag))).toEqual([]);
  });
});
