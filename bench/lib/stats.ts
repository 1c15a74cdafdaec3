/** Small statistics helpers for the benchmarks: no dependency, no magic. */

/** The q-quantile (0..1) of unsorted values by nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function ratio(subject: number, baseline: number): number {
  return baseline > 0 ? subject / baseline : Number.NaN;
}

/** 1234567 → "1,234,567"; fractions kept to `digits`. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes >= 1024 * 1024) return `${fmt(bytes / (1024 * 1024), 0)} MiB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024, 0)} KiB`;
  return `${fmt(bytes)} B`;
}
