import { useMemo, useState } from 'preact/hooks';
import { type CellSort, defaultSort } from './cellStore';
import type { CellFilter } from './generated/graphql';
import { GraphqlClient } from './graphqlClient';
import { useConnectionState, useLiveCells, useOverview, useRoute } from './hooks';
import { href } from './route';
import { loadToken, saveToken } from './session';
import { CellFilterForm } from './views/CellFilterForm';
import { CellPage } from './views/CellPage';
import { CellTable } from './views/CellTable';
import { Counts } from './views/Counts';
import { FormationList, FormationPage } from './views/Formations';
import { StatusBar } from './views/StatusBar';
import { TokenField } from './views/TokenField';

/** The endpoint next to this page: the dashboard is served by the same cellgraph it shows. */
const ENDPOINT = new URL('graphql', location.href.replace(/[#?].*$/, '')).pathname;

export function App() {
  const [token, setToken] = useState(loadToken);
  const client = useMemo(() => new GraphqlClient(ENDPOINT, loadToken()), []);
  const [filter, setFilter] = useState<CellFilter>({});
  const [sort, setSort] = useState<CellSort>(defaultSort);
  const route = useRoute();
  const socket = useConnectionState(client);
  const overview = useOverview(client, token);
  const live = useLiveCells(client, filter, token);
  const needsToken = token !== '' || overview.error?.code === 'UNAUTHENTICATED';

  const useToken = (next: string) => {
    saveToken(next);
    client.setToken(next);
    setToken(next);
  };

  return (
    <div class="app">
      <header>
        <h1>
          <a href={href({ name: 'cells' })}>cellgraph</a>
        </h1>
        <nav>
          <a href={href({ name: 'cells' })} class={route.name === 'cells' ? 'active' : ''}>
            cells
          </a>
          <a href={href({ name: 'formations' })} class={route.name.startsWith('formation') ? 'active' : ''}>
            formations
          </a>
          <a href="graphql">GraphiQL</a>
        </nav>
        {needsToken && <TokenField token={token} onToken={useToken} />}
      </header>
      <StatusBar socket={socket} overview={overview.data} overviewError={overview.error} live={live.status} />
      <Counts counts={overview.data?.cellCounts} />
      <main>
        {route.name === 'cells' && (
          <>
            <CellFilterForm filter={filter} onFilter={setFilter} sort={sort} onSort={setSort} />
            <p class="row-count">
              <span data-testid="row-count">{live.store.size}</span> cells
              {live.status.synced ? '' : ' (loading)'}
            </p>
            <CellTable rows={live.store.sorted(sort)} />
          </>
        )}
        {route.name === 'cell' && <CellPage client={client} id={route.id} token={token} />}
        {route.name === 'formations' && <FormationList client={client} token={token} />}
        {route.name === 'formation' && <FormationPage client={client} id={route.id} token={token} />}
      </main>
    </div>
  );
}
