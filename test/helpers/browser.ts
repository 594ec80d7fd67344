/**
 * Opens HTML reports in a real headless Chromium (Debian's `chromium`, driven
 * by `playwright-core`), collecting console errors and saving a screenshot
 * under `test-results/` as the run's test artifact.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { REPO } from './processes.js';

/** The Chromium binary: `EPOCHAL_CHROMIUM`, else Debian's. */
export const CHROMIUM = process.env.EPOCHAL_CHROMIUM ?? '/usr/bin/chromium';

/** Why no browser test can run here; undefined when Chromium is installed, and always under CI (which installs it), so a missing one fails there. */
export const CHROMIUM_MISSING: string | undefined =
  existsSync(CHROMIUM) || process.env.CI ? undefined : `No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set EPOCHAL_CHROMIUM.`;

/** Where screenshots go. */
export const TEST_RESULTS = join(REPO, 'test-results');

/** Opens `file` in Chromium, runs `inspect` on the page, saves a full-page screenshot as `<screenshot>.png`; returns the console errors and what `inspect` returned. */
export async function inBrowser<T>(file: string, screenshot: string, inspect: (page: Page) => Promise<T>): Promise<{ errors: string[]; result: T; screenshot: string }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const result = await inspect(page);
    await mkdir(TEST_RESULTS, { recursive: true });
    const path = join(TEST_RESULTS, `${screenshot}.png`);
    await page.screenshot({ path, fullPage: true });
    return { errors, result, screenshot: path };
  } finally {
    await browser.close();
  }
}

/** Points drawn on each named chart (`figure[data-chart]`), by chart name. */
export async function pointsPerChart(page: Page): Promise<Record<string, number>> {
  return page.$$eval('figure[data-chart]', (figures) =>
    Object.fromEntries(figures.map((figure) => [figure.getAttribute('data-chart')!, figure.querySelectorAll('g.points_marks path').length])),
  );
}
