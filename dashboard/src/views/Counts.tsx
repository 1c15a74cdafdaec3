import type { OverviewQuery } from '../generated/graphql';

const ORDER = ['total', 'pending', 'running', 'destroyed', 'succeeded', 'failed'] as const;

/** Cells by state and outcome, as of the overview's cursor (polled every second). */
export function Counts({ counts }: { counts: OverviewQuery['cellCounts'] | undefined }) {
  return (
    <div class="counts" data-testid="counts">
      {ORDER.map((key) => (
        <div class={`count ${key}`} key={key}>
          <div class="value" data-testid={`count-${key}`}>
            {counts ? counts[key].toLocaleString('en-US') : '–'}
          </div>
          <div class="label">{key}</div>
        </div>
      ))}
    </div>
  );
}
