// Turns the configuration into the NATS client's connect options (seeds, credentials, TLS) and knows which strings are secret.

import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/nats-core';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type { Config } from '../config.js';
import { parseNatsUrl } from '../util/natsUrl.js';

/** How to reach NATS and who to be there; secrets stay inside (see `secrets`). */
export interface NatsSettings {
  /** Every seed, without credentials. */
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
  /** Path to an nkey seed file, read at every connect (a rotated file is picked up). */
  nkeyFile?: string;
  /** Path to a `.creds` file, read at every connect. */
  credsFile?: string;
  /** Present when the connection must be encrypted (`tls://`, or any TLS file set). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/**
 * The settings for `url` (the configured one, or where the embedded server
 * listens) with the credentials and TLS files of the configuration. The
 * configuration was validated: at most one way to authenticate is set.
 */
export function natsSettings(config: Config, url: string): NatsSettings {
  const seeds = parseNatsUrl(url);
  const tlsFiles = {
    ...(config.CELLGRAPH_NATS_TLS_CA ? { caFile: config.CELLGRAPH_NATS_TLS_CA } : {}),
    ...(config.CELLGRAPH_NATS_TLS_CERT ? { certFile: config.CELLGRAPH_NATS_TLS_CERT } : {}),
    ...(config.CELLGRAPH_NATS_TLS_KEY ? { keyFile: config.CELLGRAPH_NATS_TLS_KEY } : {}),
  };
  const user = seeds.user ?? config.CELLGRAPH_NATS_USER;
  const password = seeds.password ?? config.CELLGRAPH_NATS_PASSWORD;
  const token = seeds.token ?? config.CELLGRAPH_NATS_TOKEN;
  return {
    servers: seeds.servers,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(config.CELLGRAPH_NATS_NKEY ? { nkeyFile: config.CELLGRAPH_NATS_NKEY } : {}),
    ...(config.CELLGRAPH_NATS_CREDS ? { credsFile: config.CELLGRAPH_NATS_CREDS } : {}),
    ...(seeds.tls || Object.keys(tlsFiles).length > 0 ? { tls: tlsFiles } : {}),
  };
}

/** Options for `connect()`: every seed, one authenticator, TLS when asked for. */
export function connectOptions(settings: NatsSettings): NodeConnectionOptions {
  const options: NodeConnectionOptions = { servers: settings.servers };
  if (settings.user !== undefined) {
    options.user = settings.user;
    if (settings.password !== undefined) options.pass = settings.password;
  }
  if (settings.token !== undefined) options.token = settings.token;
  const { nkeyFile, credsFile } = settings;
  if (nkeyFile) options.authenticator = nkeyAuthenticator(() => readNkeySeed(nkeyFile));
  if (credsFile) options.authenticator = credsAuthenticator(() => readFileSync(credsFile));
  // The client reads the files itself, at each connect.
  if (settings.tls) options.tls = { ...settings.tls };
  return options;
}

/** An nkey seed file holds the seed (`S…`), possibly among comment lines, as `nk -gen` and nsc write it. */
function readNkeySeed(file: string): Uint8Array {
  const seed = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^S[A-Z2-7]{50,}$/.test(line));
  if (!seed) throw new Error(`${file} holds no nkey seed`);
  return new TextEncoder().encode(seed);
}

/** The secret strings of these settings, for scrubbing text that reaches a log, a metric or the API. */
export function secretsOf(settings: NatsSettings): string[] {
  return [settings.password, settings.token].filter((s): s is string => s !== undefined && s.length > 0);
}

/**
 * When the user JWT of a `.creds` file expired (its `exp`, seconds since the epoch), or undefined. The server
 * refuses an expired JWT at connect with the same "Authorization Violation" as a wrong one: this tells them apart.
 */
export function credsExpiredAt(file: string, now = Date.now()): Date | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const jwt = /-+BEGIN NATS USER JWT-+\s*([\w-]+\.([\w-]+)\.[\w-]+)/.exec(text)?.[2];
    if (!jwt) return undefined;
    const { exp } = JSON.parse(Buffer.from(jwt, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && exp * 1000 <= now ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
