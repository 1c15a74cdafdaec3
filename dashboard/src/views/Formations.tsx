import { FormationDetailDocument, FormationsDocument } from '../generated/graphql';
import type { GraphqlClient } from '../graphqlClient';
import { usePolled } from '../hooks';
import { href } from '../route';
import { CellTable } from './CellTable';

/** Formations and a glimpse of their cells, refreshed every two seconds. */
export function FormationList({ client, token }: { client: GraphqlClient; token: string }) {
  const { data, error } = usePolled(() => client.query(FormationsDocument), 2_000, [client, token]);
  return (
    <section data-testid="formations">
      <h2>Formations {data ? `(${data.formations.totalCount})` : ''}</h2>
      {error && <p class="error">{error.message}</p>}
      <table class="formations">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>cells</th>
            <th>created</th>
            <th>updated</th>
          </tr>
        </thead>
        <tbody>
          {data?.formations.edges.map(({ node }) => (
            <tr key={node.id} data-formation={node.id}>
              <td>
                <a href={href({ name: 'formation', id: node.id })}>{node.name ?? node.id}</a>
              </td>
              <td>{node.status.toLowerCase()}</td>
              <td>
                {node.cells.totalCount}{' '}
                {node.cells.edges.map(({ node: cell }) => (
                  <a
                    key={cell.id}
                    class={`dot ${cell.state.toLowerCase()} ${cell.outcome?.toLowerCase() ?? ''}`}
                    href={href({ name: 'cell', id: cell.id })}
                    title={`${cell.id} ${cell.state.toLowerCase()}`}
                  >
                    <span class="sr-only">{cell.id}</span>
                  </a>
                ))}
              </td>
              <td>{node.createdAt ?? ''}</td>
              <td>{node.updatedAt ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function FormationPage({ client, id, token }: { client: GraphqlClient; id: string; token: string }) {
  const { data, error } = usePolled(() => client.query(FormationDetailDocument, { id }), 2_000, [client, id, token]);
  const formation = data?.formation;
  return (
    <section data-testid="formation-page">
      <p>
        <a href={href({ name: 'formations' })}>← formations</a>
      </p>
      {error && <p class="error">{error.message}</p>}
      {data && !formation && <p>No formation with this id.</p>}
      {formation && (
        <>
          <h2>
            {formation.name ?? formation.id} <small>{formation.status.toLowerCase()}</small>
          </h2>
          <p>
            {formation.reason ?? ''} created {formation.createdAt ?? '?'}, updated {formation.updatedAt ?? '?'},{' '}
            {formation.eventCount} events, {formation.cells.totalCount} cells
            {formation.cells.totalCount > formation.cells.edges.length
              ? ` (first ${formation.cells.edges.length} shown)`
              : ''}
          </p>
          <CellTable rows={formation.cells.edges.map((edge) => edge.node)} />
        </>
      )}
    </section>
  );
}
