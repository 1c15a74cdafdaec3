import type { Config } from '../config.js';
import type { EventStore } from '../events/streamEvent.js';
import type { SourceStatus } from '../events/streamStatus.js';
import type { CursorClock } from '../live/cursorClock.js';
import type { LiveHub } from '../live/hub.js';
import type { Projection } from '../projection/projection.js';
import type { Visibility } from '../projection/visibility.js';

/** The services every resolver can reach. Built once per server, shared by all requests. */
export interface AppServices {
  config: Config;
  projection: Projection;
  clock: CursorClock;
  sourceStatus(): SourceStatus;
  streamName: string;
  events: EventStore;
  hub: LiveHub;
}

/** What a resolver sees: the services, and which cells this request's caller may see. */
export interface AppContext extends AppServices {
  readonly visibility: Visibility;
}
