import { accessSync, constants, statSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { NatsUrlError, parseNatsUrl } from './util/natsUrl.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0),
);
const tokenList = commaList.pipe(
  z.array(z.string().min(16, 'each token must be at least 16 characters')).min(1, 'must hold at least one token'),
);
const tokenListOf = (min: number) =>
  commaList.pipe(z.array(z.string().min(min)).min(1, 'must hold at least one value'));

/** A path to a file this process can read now (a missing or unreadable secret is a start-up error, not a retry loop). */
const readableFile = z
  .string()
  .min(1)
  .superRefine((file, ctx) => {
    let why: string | undefined;
    try {
      accessSync(file, constants.R_OK);
      if (!statSync(file).isFile()) why = 'not a file';
    } catch (error) {
      why = (error as NodeJS.ErrnoException).code ?? String(error);
    }
    if (why) ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${why}` });
  });

const natsUrl = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      parseNatsUrl(value);
    } catch (error) {
      if (!(error instanceof NatsUrlError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

/** `*` or exact origins (`scheme://host[:port]`, no path), comma-separated. */
const originList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
  )
  .pipe(
    z.array(
      z.string().refine((o) => {
        if (o === '*') return true;
        try {
          return new URL(o).origin === o;
        } catch {
          return false;
        }
      }, 'each origin must be * or scheme://host[:port] with no path or trailing slash'),
    ),
  );

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost|::ffff:127(\.\d{1,3}){3})$/i;

/** True when the host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/**
 * Every setting cellgraph reads, from the environment, validated once at
 * start. The inferred `Config` type is the only description of the config.
 */
export const configSchema = z.object({
  /**
   * One URL or comma-separated seeds (all used); `nats://user:password@`, `nats://token@` and `tls://` work.
   * Unset means: use NATS on 127.0.0.1:4222, or start an embedded one (see `embeddedNats`).
   */
  CELLGRAPH_NATS_URL: natsUrl.optional(),

  // --- how cellgraph proves who it is to NATS (at most one way) ------------
  CELLGRAPH_NATS_USER: z.string().min(1).optional(),
  CELLGRAPH_NATS_PASSWORD: z.string().min(1).optional(),
  CELLGRAPH_NATS_TOKEN: z.string().min(1).optional(),
  /** Path to an nkey seed file (`SU…`). */
  CELLGRAPH_NATS_NKEY: readableFile.optional(),
  /** Path to a `.creds` file: user JWT and nkey seed (operator/account mode). */
  CELLGRAPH_NATS_CREDS: readableFile.optional(),
  /** PEM CA bundle that signed the servers' certificates (a private CA); setting any TLS file requires TLS. */
  CELLGRAPH_NATS_TLS_CA: readableFile.optional(),
  /** PEM client certificate and its key, for servers that verify clients (mutual TLS). */
  CELLGRAPH_NATS_TLS_CERT: readableFile.optional(),
  CELLGRAPH_NATS_TLS_KEY: readableFile.optional(),

  CELLGRAPH_STREAM: z
    .string()
    .regex(/^[^.*>\s]+$/, 'must be a valid stream name')
    .default('CELLOS_EVENTS'),
  CELLGRAPH_SUBJECTS: z.string().min(1).default('cellos.events.>'),
  /** false for read-only deployments: never create the stream. */
  CELLGRAPH_CREATE_STREAM: bool.default(true),
  CELLGRAPH_HOST: z.string().min(1).default('127.0.0.1'),
  CELLGRAPH_PORT: int(0, 65535).default(4000),
  CELLGRAPH_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** GraphQL operations at least this slow are logged at warn. */
  CELLGRAPH_SLOW_OPERATION_MS: int(1, 3_600_000).default(1_000),
  /** Ordinary (info) operation log lines per second; beyond it they are counted, and the count logged. 0: none. */
  CELLGRAPH_LOG_OPERATIONS_PER_SECOND: int(0, 1_000_000).default(100),
  /**
   * auto: without a URL, use NATS on 127.0.0.1:4222 or start a local nats-server there. Unset means auto under
   * `serve --dev` (`npm start`) and never in production, where a missing URL refuses to start instead.
   */
  CELLGRAPH_EMBEDDED_NATS: z.enum(['auto', 'never']).optional(),
  CELLGRAPH_DATA_DIR: z.string().min(1).default('.cellgraph'),
  CELLGRAPH_REPLAY_BATCH: int(1, 100_000).default(10_000),
  /** Idle heartbeat of the JetStream consumer: a dead or paused server is noticed after two missed ones. */
  CELLGRAPH_CONSUMER_HEARTBEAT_MS: int(500, 30_000).default(5_000),
  /** Events pending in the stream but none received for this long: the consumer is restarted from the cursor. */
  CELLGRAPH_STALL_TIMEOUT_MS: int(500, 600_000).default(10_000),
  CELLGRAPH_DEDUP_WINDOW: int(0, 10_000_000).default(100_000),

  // --- checkpoints (a JetStream Object Store bucket next to the stream) ------
  /** Bucket of projection checkpoints; empty disables them (boot then always replays from seq 1). */
  CELLGRAPH_CHECKPOINT_BUCKET: z
    .string()
    .regex(/^[-\w]*$/, 'must be a bucket name (letters, digits, - and _), or empty to disable checkpoints')
    .default('cellgraph-checkpoints'),
  /** A checkpoint is written after this many stream messages since the last one... */
  CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: int(1, 1_000_000_000).default(100_000),
  /** ...or after this long, whichever comes first, and only when something changed. */
  CELLGRAPH_CHECKPOINT_INTERVAL_MS: int(1_000, 86_400_000).default(600_000),
  /** How many checkpoints of the stream are kept (newest first). */
  CELLGRAPH_CHECKPOINT_KEEP: int(1, 100).default(3),
  /** false: only load checkpoints at boot, never write one (a replica whose account may only read the bucket). */
  CELLGRAPH_CHECKPOINT_WRITE: bool.default(true),
  CELLGRAPH_DEFAULT_PAGE_SIZE: int(1, 1000).default(100),
  CELLGRAPH_MAX_PAGE_SIZE: int(1, 1000).default(1000),
  CELLGRAPH_GRAPHIQL: bool.default(true),
  /** Compile queries with graphql-jit: same results, less CPU per request (BENCHMARKS.md). */
  CELLGRAPH_GRAPHQL_JIT: bool.default(true),
  /** How long a query with `minSeq` (or a subscription with `after`) ahead of the cursor waits before CURSOR_AHEAD. */
  CELLGRAPH_MIN_SEQ_WAIT_MS: int(0, 60_000).default(5_000),
  /**
   * When the cursor moves, idle subscriptions get a BOOKMARK with it, in rounds at most this often
   * (the first move after a quiet spell at once): a filtered view learns within about this long that it is current.
   */
  CELLGRAPH_BOOKMARK_INTERVAL_MS: int(100, 3_600_000).default(1_000),
  /** Live buffer of a raw `events` subscription; beyond it the subscription ends with LAGGED. */
  CELLGRAPH_EVENT_QUEUE_LIMIT: int(1, 1_000_000).default(10_000),
  /** Catch-up (snapshots, changes since `after`) delivered per turn of the event loop before I/O runs; 0: unpaced. */
  CELLGRAPH_CATCHUP_SLICE_MS: int(0, 1_000).default(5),
  /** graphql-ws ping interval: well under the 60 s idle timeout of common proxies. */
  CELLGRAPH_WS_KEEPALIVE_MS: int(1_000, 30_000).default(15_000),

  // --- authentication -------------------------------------------------------
  /** Comma-separated bearer tokens (several, so one can be rotated without downtime). Unset: no authentication. */
  CELLGRAPH_TOKEN: tokenList.optional(),
  /** JSON Web Key Set of the identity provider (fetched, cached, fetched again for an unknown kid). */
  CELLGRAPH_JWT_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Path to a PEM public key (SPKI) that signs the JWTs. */
  CELLGRAPH_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  /** HS256 shared secret (development). */
  CELLGRAPH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Checked when set. */
  CELLGRAPH_JWT_ISSUER: z.string().min(1).optional(),
  /** Checked when set; comma-separated: any of them. */
  CELLGRAPH_JWT_AUDIENCE: tokenListOf(1).optional(),
  /** Slack on exp and nbf, at most 30 s. */
  CELLGRAPH_JWT_CLOCK_TOLERANCE_S: int(0, 30).default(5),
  /** The claim listing the caller's tenants: a name (`https://cellos.dev/tenant`) or a dotted path (`app.tenants`). */
  CELLGRAPH_JWT_TENANT_CLAIM: z.string().min(1).default('tenant'),
  /** Without a token cellgraph binds only to loopback; true lets it listen elsewhere unauthenticated. */
  CELLGRAPH_ALLOW_OPEN: bool.default(false),

  // --- browsers -----------------------------------------------------------------
  /** Origins whose pages may call the API (CORS, and the WebSocket Origin check). Unset: same origin only. */
  CELLGRAPH_CORS_ORIGINS: originList.default([]),
  /** Manifest of the only operations that may run (the client preset's persisted-documents.json). Unset: any. */
  CELLGRAPH_TRUSTED_DOCUMENTS: readableFile.optional(),
  /** An admin credential (static token, admin-scope JWT) may run unlisted operations too: GraphiQL, ad-hoc queries. */
  CELLGRAPH_TRUSTED_DOCUMENTS_ADMIN_BYPASS: bool.default(false),

  // --- what the API reveals ---------------------------------------------------
  CELLGRAPH_INTROSPECTION: bool.default(true),
  /** Put the original message and stack of unexpected errors in extensions (development only). */
  CELLGRAPH_EXPOSE_ERRORS: bool.default(false),

  // --- limits (each answered with LIMIT_EXCEEDED and extensions.limit) -------
  CELLGRAPH_MAX_DEPTH: int(1, 1000).default(12),
  /** Each field costs 1; a paged field multiplies its selection by its page size (first/last or the default). */
  CELLGRAPH_MAX_COST: int(1, 1_000_000_000).default(50_000),
  CELLGRAPH_MAX_ALIASES: int(0, 10_000).default(30),
  CELLGRAPH_MAX_DIRECTIVES: int(0, 10_000).default(50),
  CELLGRAPH_MAX_TOKENS: int(1, 1_000_000).default(2_000),
  /** Length of the GraphQL document itself, in characters. */
  CELLGRAPH_MAX_DOCUMENT_BYTES: int(64, 10_000_000).default(32_768),
  /** HTTP request body (document + variables + extensions). */
  CELLGRAPH_MAX_BODY_BYTES: int(1_024, 100_000_000).default(1_048_576),
  CELLGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 100_000).default(100),
  CELLGRAPH_MAX_SUBSCRIPTIONS: int(1, 10_000_000).default(10_000),
  /** Largest WebSocket message accepted; larger closes the socket with 1009. */
  CELLGRAPH_WS_MAX_PAYLOAD: int(1_024, 100_000_000).default(1_048_576),
  /** A WebSocket that sends no connection_init within this is closed with 4408. */
  CELLGRAPH_WS_INIT_TIMEOUT_MS: int(100, 600_000).default(3_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty variables count as unset, as in most twelve-factor tools.
  // Except the checkpoint bucket, where empty is how checkpoints are turned off.
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => k.startsWith('CELLGRAPH_') && (v !== '' || k === 'CELLGRAPH_CHECKPOINT_BUCKET'),
    ),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  const keySources = (['CELLGRAPH_JWT_JWKS_URL', 'CELLGRAPH_JWT_PUBLIC_KEY', 'CELLGRAPH_JWT_SECRET'] as const).filter(
    (name) => config[name] !== undefined,
  );
  if (keySources.length > 1)
    throw new ConfigError(`invalid configuration:\n  ${keySources.join(', ')}: set only one JWT key source`);
  const conflicts = natsAuthConflicts(config);
  if (conflicts.length > 0) {
    throw new ConfigError(`invalid configuration:\n${conflicts.map(([k, why]) => `  ${k}: ${why}`).join('\n')}`);
  }
  // An unauthenticated server reachable from the network is a mistake far
  // more often than a choice, so it has to be asked for by name.
  if (
    !config.CELLGRAPH_TOKEN &&
    keySources.length === 0 &&
    !config.CELLGRAPH_ALLOW_OPEN &&
    !isLoopbackHost(config.CELLGRAPH_HOST)
  ) {
    throw new ConfigError(
      `refusing to listen on ${config.CELLGRAPH_HOST} without authentication: set CELLGRAPH_TOKEN, ` +
        'bind to 127.0.0.1, or set CELLGRAPH_ALLOW_OPEN=true to serve the network without a token',
    );
  }
  return config;
}

/** A set `CELLGRAPH_*` variable that is no setting, with the known one it most resembles. */
export interface UnknownVariable {
  name: string;
  /** The closest known variable, when it is close enough to be what was meant. */
  didYouMean?: string;
}

/**
 * `CELLGRAPH_*` variables that configure nothing: a typo (`CELLGRAPH_MAX_COSTS`) would otherwise leave the
 * default silently in force. Close means at most a third of the name's length in edits (at least 2).
 */
export function unknownVariables(env: Record<string, string | undefined> = process.env): UnknownVariable[] {
  const known = Object.keys(configSchema.shape);
  return Object.keys(env)
    .filter((name) => name.startsWith('CELLGRAPH_') && !known.includes(name))
    .sort()
    .map((name) => {
      const match = closest(name, known);
      const close = distance(name, match) <= Math.max(2, Math.floor(name.length / 3));
      return close ? { name, didYouMean: match } : { name };
    });
}

/** True when callers must authenticate: a static token or a JWT key is configured. */
export function authRequired(config: Config): boolean {
  return (
    config.CELLGRAPH_TOKEN !== undefined ||
    config.CELLGRAPH_JWT_JWKS_URL !== undefined ||
    config.CELLGRAPH_JWT_PUBLIC_KEY !== undefined ||
    config.CELLGRAPH_JWT_SECRET !== undefined
  );
}

/** Settings that only make sense together, or not together: each problem with the variable it is about. */
function natsAuthConflicts(config: Config): [variable: string, why: string][] {
  const problems: [string, string][] = [];
  if (config.CELLGRAPH_NATS_USER && !config.CELLGRAPH_NATS_PASSWORD)
    problems.push(['CELLGRAPH_NATS_PASSWORD', 'must be set with CELLGRAPH_NATS_USER']);
  if (config.CELLGRAPH_NATS_PASSWORD && !config.CELLGRAPH_NATS_USER)
    problems.push(['CELLGRAPH_NATS_USER', 'must be set with CELLGRAPH_NATS_PASSWORD']);
  if (config.CELLGRAPH_NATS_TLS_CERT && !config.CELLGRAPH_NATS_TLS_KEY)
    problems.push(['CELLGRAPH_NATS_TLS_KEY', 'must be set with CELLGRAPH_NATS_TLS_CERT']);
  if (config.CELLGRAPH_NATS_TLS_KEY && !config.CELLGRAPH_NATS_TLS_CERT)
    problems.push(['CELLGRAPH_NATS_TLS_CERT', 'must be set with CELLGRAPH_NATS_TLS_KEY']);
  const seeds = config.CELLGRAPH_NATS_URL ? parseNatsUrl(config.CELLGRAPH_NATS_URL) : undefined;
  // One connection has one identity: two ways of giving it are a mistake, not a fallback.
  const ways = [
    seeds && (seeds.user || seeds.token) ? 'CELLGRAPH_NATS_URL' : undefined,
    config.CELLGRAPH_NATS_USER ? 'CELLGRAPH_NATS_USER' : undefined,
    config.CELLGRAPH_NATS_TOKEN ? 'CELLGRAPH_NATS_TOKEN' : undefined,
    config.CELLGRAPH_NATS_NKEY ? 'CELLGRAPH_NATS_NKEY' : undefined,
    config.CELLGRAPH_NATS_CREDS ? 'CELLGRAPH_NATS_CREDS' : undefined,
  ].filter((way) => way !== undefined);
  if (ways.length > 1) {
    for (const way of ways) {
      const others = ways.filter((w) => w !== way).join(', ');
      problems.push([way, `only one way to authenticate to NATS may be set, also set: ${others}`]);
    }
  }
  return problems;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
