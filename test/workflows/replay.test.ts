/**
 * Replay: histories recorded from real runs (scripts/record-replay-histories.ts)
 * must replay against today's workflow code without non-determinism errors,
 * or workflows already running would break on the next deploy (Epochal's
 * workflows auto-upgrade to the newest Worker Deployment version: see
 * src/temporal/deployment.ts). They replay on a replay worker made with the
 * Epochal plugin, as a user's replay tests would.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { epochalPlugin } from '../../src/temporal/plugin.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const { workflowBundlePath } = inject('temporal');

async function recordedHistories() {
  const files = (await readdir(FIXTURES)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({ name: file.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(join(FIXTURES, file), 'utf8'))) })),
  );
}

describe('workflow replay', () => {
  it('replays every recorded history (training plain, steered, continued as new; retraining; inference) without non-determinism', async () => {
    const recorded = await recordedHistories();
    expect(recorded.map((h) => h.name)).toEqual([
      'continued-first-run',
      'continued-last-run',
      'inference',
      'plain',
      'retraining-first',
      'retraining-second',
      'steered',
    ]);
    // Replay under the ids they ran with (retraining derives its child's id from its own): the script names
    // them `replay-<name>`, both runs of the continued-as-new workflow sharing one.
    const histories = recorded.map(({ name, history }) => ({ workflowId: `replay-${name.replace(/-(first|last)-run$/, '')}`, history }));
    const outcomes = [];
    const plugin = await epochalPlugin({ workflowBundlePath, deployment: false });
    for await (const result of Worker.runReplayHistories({ plugins: [plugin] }, histories)) {
      outcomes.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(outcomes).toEqual(histories.map(({ workflowId }) => ({ workflowId, error: undefined })));
  });
});
