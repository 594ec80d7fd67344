import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/processes.js';

/** Lints `code` as if it were a file in workflows/, returning the restricted-import messages. */
async function lintAsWorkflow(code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: REPO });
  const [result] = await eslint.lintText(code, { filePath: `${REPO}workflows/example.ts` });
  return result!.messages
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

describe('the lint rule that keeps workflows deterministic', () => {
  it('rejects Node built-ins, with or without the node: prefix', async () => {
    const messages = await lintAsWorkflow(
      "import { readFile } from 'node:fs/promises';\nimport path from 'path';\nexport const used = [readFile, path];\n",
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('Node built-ins belong in activities/ or src/');
  });

  it('rejects TensorFlow.js', async () => {
    const messages = await lintAsWorkflow("import * as tf from '@tensorflow/tfjs';\nexport const used = tf;\n");
    expect(messages).toEqual([expect.stringContaining('TensorFlow.js runs in activities')]);
  });

  it('rejects value imports from activities/ and src/, but allows their types', async () => {
    const messages = await lintAsWorkflow(
      [
        "import { createActivities } from '../activities/index.js';",
        "import type { EpochalActivities } from '../activities/index.js';",
        "import type { TrainParams } from '../src/config/index.js';",
        'export type Used = [EpochalActivities, TrainParams, typeof createActivities];',
      ].join('\n'),
    );
    expect(messages).toEqual([expect.stringContaining('Workflows may import only types')]);
  });

  it('allows the Temporal workflow API', async () => {
    const messages = await lintAsWorkflow("import { sleep } from '@temporalio/workflow';\nexport const used = sleep;\n");
    expect(messages).toEqual([]);
  });
});
