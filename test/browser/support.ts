import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LocalOutputs } from '../../local/cloud';
import { BROWSER_ENV, requireChromium } from './environment';

export function outputs(): LocalOutputs {
  const text = process.env[BROWSER_ENV.outputs];
  if (!text) throw new Error('The browser tier runs under its global setup (jest --selectProjects browser).');
  return JSON.parse(text) as LocalOutputs;
}

/**
 * Debian's Chromium, headless. The network flags keep it from calling Google's hosts, which this
 * machine's closed network refuses (many at a time); `--no-sandbox` because CI runs as root.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** What a page did that a test should see: script errors, console errors, CSP violations. */
export interface PageWatch {
  readonly errors: string[];
}

/** A fresh profile (nothing shared between tests: each is a new visitor) with its page watched. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const watch: PageWatch = { errors: [] };
  page.on('pageerror', (error) => watch.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(`console: ${message.text()}`);
  });
  return { context, page, watch };
}

const screenshotDir = ((): string => {
  if (process.env[BROWSER_ENV.saveScreenshots] === '1') {
    const dir = join(__dirname, '..', '..', 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return mkdtempSync(join(tmpdir(), 'browser-screenshots-'));
})();

/** A full-page PNG; with SAVE_SCREENSHOTS=1 into docs/screenshots/ (the README's pictures). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
