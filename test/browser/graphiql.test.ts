import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
// CI installs Chromium and sets this, so there the test can't be skipped by accident.
if (!haveBrowser && process.env['CELLGRAPH_REQUIRE_BROWSER'] === '1') {
  throw new Error(`Chromium not found at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

// Without a browser the whole suite is skipped, so neither NATS nor cellgraph starts for nothing.
describe.skipIf(!haveBrowser)('GraphiQL in a real browser', () => {
  const nats = useNats();
  let app: TestCellgraph;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestCellgraph(nats.url);
    await app.source.whenReady();
    return () => app.stop();
  });
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath,
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
    return () => browser.close();
  });

  it('GraphiQL loads without a CDN and runs a live subscription over WebSocket', async () => {
    const page = await browser.newPage();
    const offsite: string[] = [];
    page.on('request', (request) => {
      if (
        !request.url().startsWith(app.url) &&
        !request.url().startsWith('blob:') &&
        !request.url().startsWith('data:')
      )
        offsite.push(request.url());
    });
    const query = 'subscription { cells { kind seq id } }';
    await page.goto(`${app.url}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await page.click('.graphiql-execute-button');
    await waitUntil(() => app.hub.stats().cellSubscriptions === 1, 'GraphiQL subscription registered');
    expect(app.http.wsServer.clients.size).toBe(1);

    const [seq] = await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.started', { cellId: 'browser-cell-1', specId: 'spec-b' }),
    ]);
    await page.waitForFunction(
      () => document.querySelector('.graphiql-response')?.textContent?.includes('browser-cell-1'),
      undefined,
      {
        timeout: 15_000,
      },
    );
    const response = await page.evaluate(() => document.querySelector('.graphiql-response')?.textContent ?? '');
    expect(response).toContain('"ADDED"');
    expect(response).toMatch(new RegExp(`"seq":\\s*${seq}\\b`));
    expect(offsite).toEqual([]);
    await page.close();
  }, 90_000);
});
