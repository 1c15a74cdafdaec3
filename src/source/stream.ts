import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';

export const STREAM_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;

export class StreamMissingError extends Error {}

export function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Returns the stream's info, creating it (file storage, 90 days, as
 * cellos-server does) only when it is missing. An existing stream is never
 * changed: its owner may have tuned it.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  options: { stream: string; subjects: string; create: boolean },
): Promise<{ info: StreamInfo; created: boolean }> {
  try {
    return { info: await jsm.streams.info(options.stream), created: false };
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
  if (!options.create)
    throw new StreamMissingError(`stream ${options.stream} does not exist and CELLGRAPH_CREATE_STREAM=false`);
  try {
    const info = await jsm.streams.add({
      name: options.stream,
      subjects: [options.subjects],
      storage: StorageType.File,
      max_age: nanos(STREAM_MAX_AGE_MS),
    });
    return { info, created: true };
  } catch (error) {
    // Another process (a replica, cellos-server) may have created it first.
    return { info: await jsm.streams.info(options.stream).catch(() => Promise.reject(error)), created: false };
  }
}
