import { useEffect, useRef, useState } from 'preact/hooks';
import { CellEventsDocument, type CellEventsQuery } from '../generated/graphql';
import type { ApiError, GraphqlClient } from '../graphqlClient';

type TimelineEvent = NonNullable<CellEventsQuery['cell']>['events']['events'][number];

const PAGE = 200;
/** Pages read per catch-up: a cell with a very long history shows its first events and a button for the rest. */
const PAGES_PER_READ = 5;

/**
 * The cell's timeline (`CellRecord.events`), oldest first. Read a page at a
 * time from the last seq read; read on whenever the cell page's live record
 * shows a newer `lastSeq`, so it follows the cell without a subscription of
 * its own.
 */
export function CellTimeline({ client, id, lastSeq }: { client: GraphqlClient; id: string; lastSeq: number }) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [more, setMore] = useState(0);
  // Where the next page starts, and whether a read is under way (a newer lastSeq during a read reads on after it).
  const cursor = useRef({ id, after: 0, reading: false, again: false });

  useEffect(() => {
    cursor.current = { id, after: 0, reading: false, again: false };
    setEvents([]);
    setHasMore(false);
    setError(undefined);
  }, [id]);

  useEffect(() => {
    const state = cursor.current;
    if (state.id !== id) return;
    if (state.reading) {
      state.again = true;
      return;
    }
    const read = async () => {
      state.reading = true;
      try {
        for (let pages = 0; pages < PAGES_PER_READ; pages++) {
          const data = await client.query(CellEventsDocument, { id, after: state.after, first: PAGE });
          if (cursor.current !== state) return; // another cell now
          const page = data.cell?.events;
          if (!page) break;
          state.after = page.seq;
          if (page.events.length) setEvents((list) => list.concat(page.events));
          setHasMore(page.hasMore);
          setError(undefined);
          if (!page.hasMore) break;
        }
      } catch (caught) {
        if (cursor.current === state) setError(caught as ApiError);
      } finally {
        state.reading = false;
      }
      if (state.again && cursor.current === state) {
        state.again = false;
        void read();
      }
    };
    void read();
  }, [client, id, lastSeq, more]);

  return (
    <section class="timeline" data-testid="cell-timeline">
      <h3>Timeline</h3>
      {error && <p class="error">{error.message}</p>}
      <table class="timeline-events">
        <thead>
          <tr>
            <th>seq</th>
            <th>stored (UTC)</th>
            <th>type</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.seq} data-seq={event.seq}>
              <td>{event.seq}</td>
              <td>{event.storedAt.slice(0, 23).replace('T', ' ')}</td>
              <td class="mono">{event.type ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {hasMore && (
        <button type="button" onClick={() => setMore((n) => n + 1)}>
          more events
        </button>
      )}
    </section>
  );
}
