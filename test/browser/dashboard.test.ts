import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import {
  CellCountsDocument,
  type CellFieldsFragment,
  CellsPageDocument,
  type CellsPageQuery,
  CellTimelineDocument,
} from '../generated/graphql.js';
import { ensureDashboardBuilt, haveBrowser, screenshot, useBrowser, watchedPage } from '../support/browser.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

interface TableRow {
  id: string;
  state: string;
  lastSeq: number;
}

/** Every cell in the order the dashboard shows by default (first seen), read at one seq. */
async function cellsInFirstSeenOrder(app: TestCellgraph): Promise<{ seq: number; cells: CellFieldsFragment[] }> {
  const cells: CellFieldsFragment[] = [];
  let after: string | null = null;
  let seq: number | undefined;
  for (;;) {
    const { cells: page }: CellsPageQuery = await app.query(CellsPageDocument, {
      first: 1000,
      after,
      orderBy: { field: 'FIRST_SEEN', direction: 'ASC' },
    });
    if (seq !== undefined && page.seq !== seq) throw new Error('seq moved while paging');
    seq = page.seq;
    cells.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return { seq, cells };
    after = page.pageInfo.endCursor ?? null;
  }
}

/**
 * Reads the whole virtualised table by scrolling it: only the rows in view are in the DOM, so the test
 * scrolls a viewport at a time and collects rows by their index.
 */
async function readTable(page: Page): Promise<TableRow[]> {
  return page.evaluate(async () => {
    const scroller = document.querySelector<HTMLElement>('[data-testid=table-scroll]')!;
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const rows = new Map<number, { id: string; state: string; lastSeq: number }>();
    const total = Number(document.querySelector('[data-testid=row-count]')!.textContent);
    for (let top = 0; ; top += scroller.clientHeight / 2) {
      scroller.scrollTop = top;
      await frame();
      for (const row of scroller.querySelectorAll<HTMLElement>('[data-index]')) {
        rows.set(Number(row.dataset['index']), {
          id: row.dataset['id']!,
          state: row.dataset['state']!,
          lastSeq: Number(row.dataset['lastSeq']),
        });
      }
      if (top >= scroller.scrollHeight) break;
    }
    scroller.scrollTop = 0;
    return Array.from(
      { length: total },
      (_, index) => rows.get(index) ?? { id: `missing ${index}`, state: '', lastSeq: 0 },
    );
  });
}

const text = (page: Page, testId: string) => page.locator(`[data-testid=${testId}]`).textContent();

describe.skipIf(!haveBrowser)('the built-in dashboard in a real browser', () => {
  const nats = useNats();
  const chromium = useBrowser();
  let app: TestCellgraph;

  beforeAll(() => ensureDashboardBuilt(), 120_000);
  beforeAll(async () => {
    app = await startTestCellgraph(nats.url);
    await app.source.whenReady();
    return () => app.stop();
  });

  it('the live table equals a fresh cells query after a burst, counts move live, and nothing leaves the server', async () => {
    await publishAll(
      nats.url,
      takeEvents(400, { seed: 101, concurrentCells: 30 }).map((item) => item.event),
    );
    const { page, offsite, errors } = await watchedPage(chromium.browser, app.url);
    await page.goto(`${app.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current'));
    const totalBefore = (await app.query(CellCountsDocument, {})).cellCounts.total;
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid=count-total]')?.textContent === total.toLocaleString('en-US'),
      totalBefore,
    );

    // The burst, while the page is open: new cells, and state changes of the ones on screen.
    await publishAll(
      nats.url,
      takeEvents(2000, { seed: 202, concurrentCells: 60 }).map((item) => item.event),
    );
    const expected = await cellsInFirstSeenOrder(app);
    const counts = (await app.query(CellCountsDocument, {})).cellCounts;
    expect(counts.total).toBeGreaterThan(totalBefore);
    // The live subscription's last seq is the last change to any cell.
    const lastCellSeq = Math.max(...expected.cells.map((cell) => cell.lastSeq));
    await page.waitForFunction(
      (seq) => document.querySelector('[data-testid=as-of]')?.textContent === `current as of seq ${seq}`,
      lastCellSeq,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid=count-total]')?.textContent === total.toLocaleString('en-US'),
      counts.total,
    );
    expect(await text(page, 'count-running')).toBe(counts.running.toLocaleString('en-US'));
    expect(await text(page, 'count-failed')).toBe(counts.failed.toLocaleString('en-US'));

    const table = await readTable(page);
    expect(table).toEqual(expected.cells.map((cell) => ({ id: cell.id, state: cell.state, lastSeq: cell.lastSeq })));

    const file = await screenshot(page, 'dashboard');
    if (process.env['CELLGRAPH_UPDATE_SCREENSHOT'] === '1')
      copyFileSync(file, path.resolve(import.meta.dirname, '../../docs/dashboard.png'));
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a filter narrows the table to the cells the server matches', async () => {
    const { page, errors } = await watchedPage(chromium.browser, app.url);
    await page.goto(`${app.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current'));
    await page.selectOption('select[name=state]', 'RUNNING');
    await page.click('[data-testid=filter-form] button[type=submit]');
    const running = (await app.query(CellCountsDocument, { filter: { state: 'RUNNING' } })).cellCounts.running;
    await page.waitForFunction(
      (count) =>
        document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current') &&
        document.querySelector('[data-testid=row-count]')?.textContent === String(count),
      running,
    );
    const states = new Set((await readTable(page)).map((row) => row.state));
    expect([...states]).toEqual(running ? ['RUNNING'] : []);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a cell page shows its fields and its timeline, and follows both live', async () => {
    const cellId = `dashboard-cell-${Date.now()}`;
    await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.started', { cellId, specId: 'spec-page' }),
      cloudEvent('cell.observability.v1.metrics', { cellId, sample: 1 }),
      cloudEvent('cell.command.v1.completed', { cellId, exitCode: 0 }),
    ]);
    /** The cell's timeline as the API answers it now (every page), and as the page shows it. */
    const apiTimeline = async () => {
      const { cell } = await app.query(CellTimelineDocument, { id: cellId, first: 100 });
      expect(cell?.events.hasMore).toBe(false);
      return cell!.events.events.map((event) => `${event.seq} ${event.type ?? ''}`);
    };
    const pageTimeline = () =>
      page
        .locator('[data-testid=cell-timeline] tr[data-seq]')
        .evaluateAll((rows) =>
          rows.map((row) => `${row.getAttribute('data-seq')} ${row.lastElementChild?.textContent}`),
        );
    const { page, errors } = await watchedPage(chromium.browser, app.url);
    await page.goto(`${app.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current'));
    await page.fill('input[name=specId]', 'spec-page');
    await page.click('[data-testid=filter-form] button[type=submit]');
    await page.click(`[data-id="${cellId}"]`);
    await page.waitForSelector('[data-testid=cell-fields]');
    expect(await page.locator('[data-field=state] dd').textContent()).toBe('RUNNING');
    expect(await page.locator('[data-field=specId] dd').textContent()).toBe('spec-page');
    const before = await apiTimeline();
    expect(before.length).toBeGreaterThanOrEqual(2);
    await waitUntil(async () => (await pageTimeline()).join('\n') === before.join('\n'), 'the timeline shown');

    const [destroyedSeq] = await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.destroyed', { cellId, outcome: 'succeeded', terminalState: 'clean' }),
    ]);
    await page.waitForFunction(
      (seq) => document.querySelector('[data-field=lastSeq] dd')?.textContent === String(seq),
      destroyedSeq,
    );
    expect(await page.locator('[data-field=state] dd').textContent()).toBe('DESTROYED');
    expect(await page.locator('[data-field=outcome] dd').textContent()).toBe('SUCCEEDED');
    // The timeline reads on when the record moves: it ends with the destroy, and equals a fresh query.
    await waitUntil(
      async () => (await pageTimeline()).at(-1)?.startsWith(`${destroyedSeq} `) === true,
      'the destroy in the timeline',
    );
    expect(await pageTimeline()).toEqual(await apiTimeline());
    expect((await pageTimeline()).slice(0, before.length)).toEqual(before);
    await screenshot(page, 'dashboard-cell');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.skipIf(!haveBrowser)('the dashboard against a server with a token', () => {
  const nats = useNats();
  const chromium = useBrowser();
  const token = 'dashboard-test-token-0123456789';
  let app: TestCellgraph;

  beforeAll(() => ensureDashboardBuilt(), 120_000);
  beforeAll(async () => {
    app = await startTestCellgraph(nats.url, { CELLGRAPH_TOKEN: token });
    await app.source.whenReady();
    await publishAll(
      nats.url,
      takeEvents(300, { seed: 303 }).map((item) => item.event),
    );
    return () => app.stop();
  });

  it('asks for the token, keeps it in sessionStorage only, and then shows the data', async () => {
    const { page, offsite } = await watchedPage(chromium.browser, app.url);
    await page.goto(`${app.url}/`, { waitUntil: 'load' });
    await page.waitForSelector('input[name=token]');
    expect(await text(page, 'count-total')).toBe('–');

    await page.fill('input[name=token]', token);
    await page.click('.token-field button[type=submit]');
    const counts = (await app.query(CellCountsDocument, {})).cellCounts;
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid=count-total]')?.textContent === total.toLocaleString('en-US'),
      counts.total,
    );
    await page.waitForFunction(
      (total) =>
        document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current') &&
        document.querySelector('[data-testid=row-count]')?.textContent === String(total),
      counts.total,
    );
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem('cellgraph.token'),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(storage).toEqual({ session: token, local: 0, cookie: '', url: `${app.url}/` });
    // A reload keeps the session's token: no prompt needed again.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid=count-total]')?.textContent === total.toLocaleString('en-US'),
      counts.total,
    );
    expect(offsite).toEqual([]);
    await page.close();
  }, 60_000);
});
