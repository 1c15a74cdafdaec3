// Headless Chromium for the page tests: launch it once per file, watch a page for off-site requests and errors,
// and keep screenshots under test-artifacts/ (CI keeps them; .gitignore skips them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { beforeAll } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const haveBrowser = existsSync(chromiumPath);
// CI installs Chromium and sets this, so there a browser test can't be skipped by accident.
if (!haveBrowser && process.env['CELLGRAPH_REQUIRE_BROWSER'] === '1') {
  throw new Error(`Chromium not found at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

export const artifactsDir = path.join(root, 'test-artifacts');

/** One Chromium for the file (closed after it); call inside a describe. */
export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // The flags this machine needs: no sandbox as root, and no background calls to a network that isn't there.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    return () => browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet (use it inside a test)');
      return browser;
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Requests that left the server under test: a page that works offline makes none. */
  offsite: string[];
  /** Uncaught exceptions and console errors in the page. */
  errors: string[];
}

/** A new page that records every request not to `origin` (nor blob:/data:) and every error it shows. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const offsite: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) offsite.push(url);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, offsite, errors };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Builds the dashboard when dist/dashboard is missing or stale (what `npm test`'s pretest does). */
export function ensureDashboardBuilt(): void {
  execFileSync(process.execPath, [path.join(root, 'scripts/ensure-dashboard.mjs')], { cwd: root, stdio: 'inherit' });
}
