import { beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, useBrowser, watchedPage } from '../support/browser.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

// Without a browser the whole suite is skipped, so neither NATS nor cellgraph starts for nothing.
describe.skipIf(!haveBrowser)('GraphiQL in a real browser', () => {
  const nats = useNats();
  const chromium = useBrowser();
  let app: TestCellgraph;

  beforeAll(async () => {
    app = await startTestCellgraph(nats.url);
    await app.source.whenReady();
    return () => app.stop();
  });

  it('GraphiQL loads without a CDN and runs a live subscription over WebSocket', async () => {
    const { page, offsite } = await watchedPage(chromium.browser, app.url);
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
