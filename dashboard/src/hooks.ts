import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { CellStore } from './cellStore';
import { type CellFilter, OverviewDocument, type OverviewQuery } from './generated/graphql';
import type { ApiError, ConnectionState, GraphqlClient } from './graphqlClient';
import { LiveCells, type LiveStatus } from './liveCells';
import { parseRoute, type Route } from './route';

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function useConnectionState(client: GraphqlClient): ConnectionState {
  const [state, setState] = useState(client.state);
  useEffect(() => client.onState(setState), [client]);
  return state;
}

/** Runs a query now and every `intervalMs`; keeps the last good answer next to the last error. */
export function usePolled<R>(
  run: () => Promise<R>,
  intervalMs: number,
  deps: unknown[],
): { data: R | undefined; error: ApiError | undefined } {
  const [data, setData] = useState<R | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const result = await run();
        if (!live) return;
        setData(result);
        setError(undefined);
      } catch (caught) {
        if (live) setError(caught as ApiError);
      }
      if (live) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps);
  return { data, error };
}

export function useOverview(client: GraphqlClient, token: string) {
  return usePolled<OverviewQuery>(() => client.query(OverviewDocument), 1_000, [client, token]);
}

/**
 * Re-renders at most every `minIntervalMs`, on an animation frame: a busy
 * log delivers a batch every 10 ms; people read a table a few times a second.
 */
export function useThrottledRender(minIntervalMs: number): () => void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const pending = useRef(false);
  const last = useRef(0);
  return useMemo(
    () => () => {
      if (pending.current) return;
      pending.current = true;
      const wait = Math.max(0, last.current + minIntervalMs - performance.now());
      setTimeout(
        () =>
          requestAnimationFrame(() => {
            pending.current = false;
            last.current = performance.now();
            bump(1);
          }),
        wait,
      );
    },
    [minIntervalMs],
  );
}

/** The live cells matching `filter`: one LiveCells per filter (and token), its store and status. */
export function useLiveCells(
  client: GraphqlClient,
  filter: CellFilter,
  token: string,
): { store: CellStore; status: LiveStatus } {
  const store = useMemo(() => new CellStore(), []);
  const render = useThrottledRender(100);
  const [live, setLive] = useState<LiveCells | undefined>(undefined);
  const key = JSON.stringify(filter);
  useEffect(() => {
    const next = new LiveCells(client, store, filter, render);
    setLive(next);
    next.start();
    return () => next.stop();
  }, [client, store, key, token, render]);
  return {
    store,
    status: live?.status ?? { synced: false, snapshotCells: 0, seq: undefined, error: undefined, retries: 0 },
  };
}
