import { useState } from 'preact/hooks';
import type { CellSort, SortField } from '../cellStore';
import type { CellFilter, CellState } from '../generated/graphql';

const STATES: CellState[] = ['PENDING', 'RUNNING', 'DESTROYED'];

interface Props {
  filter: CellFilter;
  onFilter: (filter: CellFilter) => void;
  sort: CellSort;
  onSort: (sort: CellSort) => void;
}

/** The datetime-local input's value (local time, no zone) as the API's RFC 3339 UTC timestamp. */
function toDateTime(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Filters go to the server (a new subscription); the sort is applied in the browser over the live rows. */
export function CellFilterForm({ filter, onFilter, sort, onSort }: Props) {
  const [state, setState] = useState<string>(filter.state ?? '');
  const [specId, setSpecId] = useState(filter.specId ?? '');
  const [formationId, setFormationId] = useState(filter.formationId ?? '');
  const [tenantId, setTenantId] = useState(filter.tenantId ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <form
      class="filter-form"
      data-testid="filter-form"
      onSubmit={(event) => {
        event.preventDefault();
        const next: CellFilter = {};
        if (state) next.state = state as CellState;
        if (specId.trim()) next.specId = specId.trim();
        if (formationId.trim()) next.formationId = formationId.trim();
        if (tenantId.trim()) next.tenantId = tenantId.trim();
        const startedFrom = toDateTime(from);
        const startedTo = toDateTime(to);
        if (startedFrom || startedTo) next.startedAt = { from: startedFrom ?? null, to: startedTo ?? null };
        onFilter(next);
      }}
    >
      <label>
        state
        <select name="state" value={state} onChange={(event) => setState(event.currentTarget.value)}>
          <option value="">any</option>
          {STATES.map((value) => (
            <option key={value} value={value}>
              {value.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <label>
        spec
        <input name="specId" value={specId} onInput={(event) => setSpecId(event.currentTarget.value)} />
      </label>
      <label>
        formation
        <input name="formationId" value={formationId} onInput={(event) => setFormationId(event.currentTarget.value)} />
      </label>
      <label>
        tenant
        <input name="tenantId" value={tenantId} onInput={(event) => setTenantId(event.currentTarget.value)} />
      </label>
      <label>
        started from
        <input
          type="datetime-local"
          name="startedFrom"
          value={from}
          onInput={(event) => setFrom(event.currentTarget.value)}
        />
      </label>
      <label>
        to
        <input
          type="datetime-local"
          name="startedTo"
          value={to}
          onInput={(event) => setTo(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Apply</button>
      <label>
        sort
        <select
          name="sort"
          value={sort.field}
          onChange={(event) => onSort({ ...sort, field: event.currentTarget.value as SortField })}
        >
          <option value="firstSeq">first seen</option>
          <option value="lastSeq">last change</option>
          <option value="id">id</option>
          <option value="state">state</option>
          <option value="specId">spec</option>
          <option value="tenantId">tenant</option>
          <option value="startedAt">started</option>
          <option value="destroyedAt">destroyed</option>
        </select>
      </label>
      <button
        type="button"
        name="direction"
        onClick={() => onSort({ ...sort, direction: sort.direction === 'asc' ? 'desc' : 'asc' })}
      >
        {sort.direction === 'asc' ? '↑ asc' : '↓ desc'}
      </button>
    </form>
  );
}
