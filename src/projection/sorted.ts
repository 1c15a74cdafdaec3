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

/** Something that can hand the event loop back between slices of work (see util/timeSlicer). */
export interface Yielder {
  due(weight?: number): boolean;
  pause(): Promise<void>;
}

/**
 * A stable sort that does not hold the event loop: runs of 512 sorted
 * natively, then bottom-up merges that yield whenever `slicer` says so. For
 * the 1M records of a checkpoint's digest, where one `Array.prototype.sort`
 * would stall every client for a second. Returns a new array.
 */
export async function sortInSlices<T>(items: readonly T[], cmp: (a: T, b: T) => number, slicer: Yielder): Promise<T[]> {
  const RUN = 512;
  const n = items.length;
  let source = items.slice();
  for (let start = 0; start < n; start += RUN) {
    const run = source.slice(start, start + RUN).sort(cmp);
    for (let i = 0; i < run.length; i++) source[start + i] = run[i]!;
    // A sorted run is hundreds of comparisons: look at the clock after each one.
    if (slicer.due(RUN)) await slicer.pause();
  }
  let target = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        target[k] = i < mid && (j >= hi || cmp(source[i]!, source[j]!) <= 0) ? source[i++]! : source[j++]!;
        if (slicer.due()) await slicer.pause();
      }
    }
    [source, target] = [target, source];
  }
  return source;
}
