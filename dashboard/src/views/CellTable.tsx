import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CellRow } from '../cellStore';
import { href } from '../route';
import { rowWindow } from '../rowWindow';

export const ROW_HEIGHT = 28;
/** Rows rendered above and below the viewport, so a short scroll shows no blank rows before the next frame. */
const OVERSCAN = 10;

/** When a cell started or ended, in UTC to the second (the full timestamp is on the cell's page). */
function shortTime(value: string | null | undefined): string {
  return value ? value.slice(0, 19).replace('T', ' ') : '';
}

interface Viewport {
  top: number;
  height: number;
}

/**
 * The live table, virtualised: only the rows in view (plus a few) are in the
 * DOM, so 100,000 cells cost what 40 do. Rows have one fixed height, so the
 * rows in view follow from the scroll offset alone (rowWindow): a render
 * costs the visible rows, not one entry per row. Each row links to the
 * cell's page.
 */
export function CellTable({ rows }: { rows: readonly CellRow[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState<Viewport>({ top: 0, height: 0 });
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const update = () =>
      setViewport((current) =>
        current.top === element.scrollTop && current.height === element.clientHeight
          ? current
          : { top: element.scrollTop, height: element.clientHeight },
      );
    update();
    element.addEventListener('scroll', update, { passive: true });
    const resized = new ResizeObserver(update);
    resized.observe(element);
    return () => {
      element.removeEventListener('scroll', update);
      resized.disconnect();
    };
  }, []);
  const { start, end } = rowWindow(rows.length, viewport.top, viewport.height, ROW_HEIGHT, OVERSCAN);
  const visible = [];
  for (let index = start; index < end; index++) {
    const row = rows[index]!;
    visible.push(
      <a
        key={row.id}
        class={`row ${row.state.toLowerCase()}`}
        href={href({ name: 'cell', id: row.id })}
        data-id={row.id}
        data-index={index}
        data-state={row.state}
        data-last-seq={row.lastSeq}
        style={{ transform: `translateY(${index * ROW_HEIGHT}px)`, height: `${ROW_HEIGHT}px` }}
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
      </a>,
    );
  }

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
        <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>{visible}</div>
      </div>
    </div>
  );
}
