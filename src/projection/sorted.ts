// Searching and keeping sorted arrays: the one binary search the query paths share.

/**
 * The first index in [0, length) at which `before` turns false. `before`
 * must be true for a prefix and false after it (a sorted array compared
 * against a target), so log2(length) probes find the boundary.
 */
export function partitionPoint(length: number, before: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The `want` smallest accepted items by `cmp`, sorted, in one pass. Costs
 * O(n log want) and keeps only `want` items, where sorting everything would
 * cost O(n log n) and hold every match: a page is small, a projection is not.
 */
export function selectTop<T>(
  items: Iterable<T>,
  want: number,
  accepts: (item: T) => boolean,
  cmp: (a: T, b: T) => number,
): T[] {
  const best: T[] = [];
  for (const item of items) {
    if (!accepts(item)) continue;
    if (best.length === want && cmp(item, best[want - 1]!) >= 0) continue;
    // After every equal item already kept: ties keep their arrival order.
    best.splice(
      partitionPoint(best.length, (i) => cmp(best[i]!, item) <= 0),
      0,
      item,
    );
    if (best.length > want) best.pop();
  }
  return best;
}
