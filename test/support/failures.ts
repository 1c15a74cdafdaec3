/**
 * Errors thrown by test code that runs inside a client library's callbacks
 * (a graphql-ws `next` handler, a socket listener). The library catches them
 * (graphql-ws turns a throwing handler into a 4004 close of the whole socket)
 * and the test would only notice as a timeout much later, with a misleading
 * message. They are parked here instead, and `waitUntil` rethrows the first
 * one on its next poll, so the test fails at once with the real assertion.
 */
const pending: Error[] = [];

export function reportHandlerFailure(error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(`handler threw ${JSON.stringify(error)}`);
  pending.push(failure);
  return failure;
}

/** Throws (and forgets) the first failure reported since the last call. */
export function throwHandlerFailure(): void {
  const first = pending[0];
  pending.length = 0;
  if (first) throw first;
}
