// Reads CELLGRAPH_NATS_URL: a comma-separated list of seeds, credentials taken out of them, and whether TLS is asked for.

/** What one URL list says: seeds without credentials, the credentials they carried, and `tls://`. */
export interface NatsSeeds {
  /** Every seed, as `scheme://host:port` with no credentials: the client is given all of them. */
  servers: string[];
  /** `nats://user:password@host`. */
  user?: string;
  password?: string;
  /** `nats://token@host` (userinfo without a password is a token, as in the other NATS clients). */
  token?: string;
  /** A seed was written `tls://`: the connection must be encrypted. */
  tls: boolean;
}

export class NatsUrlError extends Error {}

const SCHEMES = new Set(['nats:', 'tls:']);

/**
 * The NATS client keeps neither the credentials of a URL nor its scheme (it
 * reduces each seed to host and port), so both are read here and passed on
 * as options. Every seed must carry the same credentials or none: one
 * connection has one identity, whichever server it lands on.
 */
export function parseNatsUrl(value: string): NatsSeeds {
  const seeds = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (seeds.length === 0) throw new NatsUrlError('must name at least one server');
  const servers: string[] = [];
  let userinfo: string | undefined;
  let tls = false;
  for (const [index, seed] of seeds.entries()) {
    const url = parseSeed(seed, index);
    tls ||= url.protocol === 'tls:';
    servers.push(`${url.protocol}//${url.host}`);
    const info = url.username || url.password ? `${url.username}:${url.password}` : undefined;
    if (index > 0 && info !== userinfo && info !== undefined && userinfo !== undefined) {
      throw new NatsUrlError('seeds carry different credentials: give one set (in every seed, or in one)');
    }
    userinfo ??= info;
  }
  return { servers, tls, ...credentials(userinfo) };
}

function parseSeed(seed: string, index: number): URL {
  // `host:port` without a scheme is accepted as nats://, like the NATS CLI does.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(seed) ? seed : `nats://${seed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The seed itself may hold a password: name its position, not its text.
    throw new NatsUrlError(`seed ${index + 1} is not a URL`);
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new NatsUrlError(`seed ${index + 1} uses ${url.protocol}// (only nats:// and tls:// are supported)`);
  }
  if (!url.hostname) throw new NatsUrlError(`seed ${index + 1} has no host`);
  if (url.pathname && url.pathname !== '/') throw new NatsUrlError(`seed ${index + 1} has a path`);
  return url;
}

function credentials(userinfo: string | undefined): Pick<NatsSeeds, 'user' | 'password' | 'token'> {
  if (userinfo === undefined) return {};
  const [user = '', password = ''] = userinfo.split(':').map((part) => decodeURIComponent(part));
  return password === '' ? { token: user } : { user, password };
}

/** `nats://user:secret@host` → `nats://***@host`, for every seed of the list. */
export function redactNatsUrl(servers: string | string[]): string {
  return [servers]
    .flat()
    .join(',')
    .replace(/\/\/[^/@,]*@/g, '//***@');
}
