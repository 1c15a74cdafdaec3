/**
 * How a live feed ends on its own, in the live layer's words (the way
 * graphql-ws's common.ts holds its protocol vocabulary): no GraphQL here.
 * SHUTDOWN is an ordinary last message; a failure ends the feed with an
 * ERROR message carrying a reason that the schema layer turns into the
 * client's error, wording included, in one place (its endReasons.ts).
 */

/** The server is stopping: resume (here or on another replica) from `seq`, the last seq delivered. */
export interface Shutdown {
  kind: 'SHUTDOWN';
  seq: number;
}

/** A raw event feed fell more than `limit` events behind: resume from `lastDeliveredSeq`. */
export interface Lagged {
  code: 'LAGGED';
  lastDeliveredSeq: number;
  limit: number;
}

/**
 * The stream changed under the projection (recreated, purged, went
 * backwards): resume points belong to the old stream, so the client
 * re-snapshots. `reason` is cellgraph's own description of what changed.
 */
export interface StreamReset {
  code: 'STREAM_RESET';
  reason: string;
}

/**
 * The stream could not be read (the history half of an events feed):
 * resume from `lastDeliveredSeq`. The underlying error is logged where it
 * happened, never carried here, so it can't reach a client.
 */
export interface StreamUnavailable {
  code: 'STREAM_UNAVAILABLE';
  lastDeliveredSeq: number;
}

export type FeedFailure = Lagged | StreamReset | StreamUnavailable;

/** A failure delivered as the last message of a feed. */
export interface FeedError {
  kind: 'ERROR';
  reason: FeedFailure;
}

export function isFeedError(message: { kind: string }): message is FeedError {
  return message.kind === 'ERROR';
}
