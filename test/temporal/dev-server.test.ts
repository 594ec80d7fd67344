import { describe, expect, inject, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary.js';
import { isServing, startDevServer } from '../../src/temporal/dev-server.js';
import { useSuiteServer } from '../helpers/temporal.js';

describe('the Temporal dev server', () => {
  const env = useSuiteServer();

  it('is a real server with Epochal search attributes registered', async () => {
    const { namespace } = inject('temporal');
    const system = await env().connection.workflowService.getSystemInfo({});
    expect(system.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    const attributes = await env().connection.operatorService.listSearchAttributes({ namespace });
    expect(attributes.customAttributes).toMatchObject({
      EpochalExperiment: expect.anything(),
      EpochalModel: expect.anything(),
      EpochalStage: expect.anything(),
      EpochalBestMetric: expect.anything(),
    });
  });

  it('serves the Web UI when started with it, and stops cleanly', async () => {
    const cli = await findTemporalCli({ build: false });
    const server = await startDevServer({ ...(cli ? { cli } : {}), ui: true });
    try {
      expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(server.uiUrl!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      await server.stop();
    }
    expect(await isServing(server.address)).toBe(false);
  });
});
