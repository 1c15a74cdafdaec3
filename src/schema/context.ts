import type { Config } from '../config.js';
import type { Projection } from '../projection/projection.js';
import type { CursorClock } from '../live/cursorClock.js';
import type { LiveHub } from '../live/hub.js';
import type { EventReader } from '../source/eventReader.js';
import type { SourceStatus } from '../source/jetstreamSource.js';

/** What every resolver can reach. Built once per server, shared by all requests. */
export interface AppContext {
  config: Config;
  projection: Projection;
  clock: CursorClock;
  sourceStatus(): SourceStatus;
  streamName: string;
  events: EventReader;
  hub: LiveHub;
}
