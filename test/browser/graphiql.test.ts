import type { GraphQLObjectType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.js';
import { haveBrowser, screenshot, useBrowser, watchedPage } from '../support/browser.js';
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

  it("the Docs explorer shows CellRecord with the schema's descriptions, and the editor completes field names", async () => {
    // What the page must show comes from the schema itself, never from text copied into the test.
    const schema = buildSchema();
    const cellRecord = schema.getType('CellRecord') as GraphQLObjectType;
    const fieldWithDescription = Object.values(cellRecord.getFields()).find((field) => field.description)!;
    const queryFields = Object.keys(schema.getQueryType()!.getFields()).filter((name) => name.startsWith('cell'));
    expect(cellRecord.description).toBeTruthy();
    expect(queryFields.length).toBeGreaterThan(1);

    const { page, errors } = await watchedPage(chromium.browser, app.url);
    await page.goto(`${app.url}/graphql`, { waitUntil: 'load' });
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    // The explorer lists the root types once GraphiQL's introspection query was answered (it was refused by
    // the cost limit once: "Error fetching schema").
    await page.waitForSelector('.graphiql-doc-explorer-root-type', { timeout: 30_000 });
    expect(await page.locator('.graphiql-doc-explorer-error').count()).toBe(0);
    await page.locator('.graphiql-doc-explorer-search-input input').fill('CellRecord');
    await page
      .locator('.graphiql-doc-explorer-search-type', { hasText: /^CellRecord$/ })
      .first()
      .click();
    await page.waitForSelector('.graphiql-doc-explorer-title:text-is("CellRecord")');
    const description = firstLine(cellRecord.description!);
    await page.waitForFunction(
      (text) => document.querySelector('.graphiql-doc-explorer-content')?.textContent?.includes(text),
      description,
    );
    const content = (await page.locator('.graphiql-doc-explorer-content').textContent()) ?? '';
    expect(content).toContain(fieldWithDescription.name);
    expect(content).toContain(firstLine(fieldWithDescription.description!));
    await screenshot(page, 'graphiql-docs-cellrecord');

    // Autocomplete: type the start of a field in the query editor and ask for suggestions.
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ cell');
    await page.keyboard.press('Control+Space');
    const suggestions = page.locator('.suggest-widget.visible .monaco-list-row');
    await suggestions.first().waitFor({ timeout: 15_000 });
    const offered = await suggestions.evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
    for (const name of queryFields) expect(offered.join('\n')).toContain(name);
    await screenshot(page, 'graphiql-autocomplete');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

/** Markdown descriptions render as HTML: compare the first line's words only. */
function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/[`*_]/g, '').slice(0, 60);
}
