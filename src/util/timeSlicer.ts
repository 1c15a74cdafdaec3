// Lets a long job share the event loop: it works in slices of a few milliseconds and yields between them.

/**
 * Call `due()` often (it is cheap: it reads the clock every `checkEvery`
 * calls); when it says so, `await pause()` lets queued I/O, queries and
 * ingest run before the job continues. `longestSliceMs` is the longest the
 * job held the event loop, which is what a client waiting on it can feel.
 */
export class TimeSlicer {
  private sliceStart = performance.now();
  private calls = 0;
  longestSliceMs = 0;
  pauses = 0;

  constructor(
    private readonly sliceMs = 2,
    private readonly checkEvery = 64,
  ) {}

  /** `weight`: how many ordinary calls' worth of work the caller did since the last one (a whole sorted run, say). */
  due(weight = 1): boolean {
    this.calls += weight;
    if (this.calls < this.checkEvery) return false;
    this.calls = 0;
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  async pause(): Promise<void> {
    this.endSlice();
    this.pauses += 1;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }

  /** Closes the current slice (counts it in `longestSliceMs`) without yielding. */
  endSlice(): void {
    const elapsed = performance.now() - this.sliceStart;
    if (elapsed > this.longestSliceMs) this.longestSliceMs = elapsed;
  }
}
