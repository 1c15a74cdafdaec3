import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useLayoutEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import type { CellRow } from '../cellStore';
import { href } from '../route';

export const ROW_HEIGHT = 28;

/** When a cell started or ended, in UTC to the second (the full timestamp is on the cell's page). */
function shortTime(value: string | null | undefined): string {
  return value ? value.slice(0, 19).replace('T', ' ') : '';
}

/**
 * The live table, virtualised: only the rows in view (plus a few) are in the
 * DOM, so 100,000 cells cost what 40 do. Each row links to the cell's page.
 */
export function CellTable({ rows }: { rows: readonly CellRow[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const virtualizer = useMemo(() => {
    const options: VirtualizerOptions<HTMLDivElement, Element> = {
      count: 0,
      getScrollElement: () => scrollRef.current,
      estimateSize: () => ROW_HEIGHT,
      overscan: 10,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      onChange: () => rerender(1),
    };
    return new Virtualizer(options);
  }, []);
  virtualizer.setOptions({ ...virtualizer.options, count: rows.length });
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());

  return (
    <div class="cell-table" data-testid="cell-table">
      <div class="row head">
        <span>id</span>
        <span>state</span>
        <span>outcome</span>
        <span>spec</span>
        <span>tenant</span>
        <span>formation</span>
        <span>started (UTC)</span>
        <span>destroyed (UTC)</span>
        <span>exit</span>
        <span>last seq</span>
      </div>
      <div class="table-scroll" ref={scrollRef} data-testid="table-scroll">
        <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <a
                key={row.id}
                class={`row ${row.state.toLowerCase()}`}
                href={href({ name: 'cell', id: row.id })}
                data-id={row.id}
                data-index={item.index}
                data-state={row.state}
                data-last-seq={row.lastSeq}
                style={{ transform: `translateY(${item.start}px)`, height: `${ROW_HEIGHT}px` }}
              >
                <span class="mono">{row.id}</span>
                <span>{row.state.toLowerCase()}</span>
                <span>{row.outcome?.toLowerCase() ?? ''}</span>
                <span>{row.specId ?? ''}</span>
                <span>{row.tenantId ?? ''}</span>
                <span class="mono">{row.formationId?.slice(0, 8) ?? ''}</span>
                <span>{shortTime(row.startedAt)}</span>
                <span>{shortTime(row.destroyedAt)}</span>
                <span>{row.exitCode ?? ''}</span>
                <span>{row.lastSeq}</span>
              </a>
            );
          })}
        </div>
      </div>
    </div>
  );
}
