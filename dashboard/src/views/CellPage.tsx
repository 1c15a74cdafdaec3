import { useEffect, useState } from 'preact/hooks';
import { CellWatchDocument, type CellWatchSubscription } from '../generated/graphql';
import type { ApiError, GraphqlClient } from '../graphqlClient';
import { href } from '../route';
import { CellTimeline } from './CellTimeline';

type CellFields = NonNullable<CellWatchSubscription['cell']['cell']>;

const FIELDS: (keyof CellFields)[] = [
  'id',
  'state',
  'status',
  'outcome',
  'terminalState',
  'reason',
  'exitCode',
  'specId',
  'runId',
  'tenantId',
  'formationId',
  'startedAt',
  'destroyedAt',
  'durationMs',
  'updatedAt',
  'firstSeq',
  'lastSeq',
  'eventCount',
];

/**
 * One cell, live: the `cell(id)` subscription sends its record, then every change (resumed with `after`);
 * below it, the cell's timeline, read on whenever the record's lastSeq moves.
 */
export function CellPage({ client, id, token }: { client: GraphqlClient; id: string; token: string }) {
  const [cell, setCell] = useState<CellFields | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let after: number | undefined;
    let stopped = false;
    const subscribe = () => {
      stop = client.subscribe(
        CellWatchDocument,
        { id, after },
        {
          next: (data) => {
            const change = data.cell;
            after = change.seq;
            if (change.kind === 'ADDED' || change.kind === 'UPDATED') setCell(change.cell ?? null);
            else if (change.kind === 'REMOVED') setCell(null);
            else if (change.kind === 'SYNCED') setCell((current) => current ?? null);
            setError(undefined);
          },
          error: (caught) => {
            setError(caught);
            if (caught.code === 'STREAM_RESET') after = undefined;
            if (!stopped) timer = setTimeout(subscribe, 1_000);
          },
          complete: () => {
            if (!stopped) timer = setTimeout(subscribe, 0);
          },
        },
      );
    };
    setCell(undefined);
    subscribe();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stop?.();
    };
  }, [client, id, token]);

  return (
    <section class="cell-page" data-testid="cell-page">
      <p>
        <a href={href({ name: 'cells' })}>← all cells</a>
      </p>
      <h2 class="mono">{id}</h2>
      {error && <p class="error">{error.message}</p>}
      {cell === undefined && <p>loading…</p>}
      {cell === null && <p data-testid="cell-missing">No cell with this id (yet): the page updates when it appears.</p>}
      {cell && (
        <dl class="fields" data-testid="cell-fields">
          {FIELDS.map((field) => (
            <div key={field} data-field={field}>
              <dt>{field}</dt>
              <dd>
                {field === 'formationId' && cell.formationId ? (
                  <a href={href({ name: 'formation', id: cell.formationId })}>{cell.formationId}</a>
                ) : (
                  String(cell[field] ?? '')
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {cell && <CellTimeline client={client} id={id} lastSeq={cell.lastSeq} />}
    </section>
  );
}
