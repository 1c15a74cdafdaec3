import type { GraphQLError } from 'graphql';
import type { FeedFailure } from '../live/endReasons.js';
import { apiError, ErrorCode } from './errors.js';

/**
 * The GraphQL errors for the stream's own failures (a live feed's end
 * reason, an unreadable stream): every client-facing wording of LAGGED,
 * STREAM_RESET and STREAM_UNAVAILABLE lives here, so a query and a
 * subscription say the same thing. Internal details (NATS errors) are
 * logged where they happen and never reach these messages.
 */

const STREAM_UNAVAILABLE_TEXT = 'The stream cannot be read right now';

/** STREAM_UNAVAILABLE; with the resume point when a subscription ends with it. */
export function streamUnavailableError(lastDeliveredSeq?: number): GraphQLError {
  if (lastDeliveredSeq === undefined) return apiError(ErrorCode.STREAM_UNAVAILABLE, `${STREAM_UNAVAILABLE_TEXT}.`);
  return apiError(ErrorCode.STREAM_UNAVAILABLE, `${STREAM_UNAVAILABLE_TEXT}; resume with after: ${lastDeliveredSeq}.`, {
    lastDeliveredSeq,
  });
}

/** The error that ends a subscription whose feed failed. */
export function feedFailureError(failure: FeedFailure): GraphQLError {
  switch (failure.code) {
    case 'LAGGED':
      return apiError(
        ErrorCode.LAGGED,
        `Subscriber fell more than ${failure.limit} events behind; resume with after: ${failure.lastDeliveredSeq}.`,
        {
          lastDeliveredSeq: failure.lastDeliveredSeq,
        },
      );
    case 'STREAM_UNAVAILABLE':
      return streamUnavailableError(failure.lastDeliveredSeq);
    case 'STREAM_RESET':
      return apiError(
        ErrorCode.STREAM_RESET,
        `The stream was reset (${failure.reason}); the projection is rebuilt. Re-query and subscribe again without after.`,
      );
  }
}
