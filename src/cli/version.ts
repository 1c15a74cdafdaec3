import { readFileSync } from 'node:fs';

/**
 * cellgraph's version from package.json. This file sits two levels below the
 * package root both as source (src/cli/) and compiled (dist/cli/), so one
 * relative path serves `npm start` and `node dist/main.js`.
 */
export function cellgraphVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The NATS client's version (@nats-io/nats-core's package.json, next to its resolved entry point). */
export function natsClientVersion(): string {
  try {
    const entry = new URL(import.meta.resolve('@nats-io/nats-core'));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', entry), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}
