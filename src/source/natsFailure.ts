// Names why a NATS connection failed (refused credentials, expired JWT, TLS, unreachable) in words that hold no secret.

import { AuthorizationError, UserAuthenticationExpiredError } from '@nats-io/nats-core';
import { redactNatsUrl } from '../util/natsUrl.js';

export type ConnectFailureKind =
  | 'credentials refused'
  | 'credentials expired'
  | 'tls'
  | 'unreachable'
  | 'jetstream'
  | 'other';

/** Connected, but JetStream did not answer (not enabled on the server or for the account). */
export class JetStreamUnavailableError extends Error {}

export interface ConnectFailure {
  kind: ConnectFailureKind;
  /** For the log and `projection.lastError`: what failed, never the secret. */
  message: string;
}

/** Replaces every known secret, and any URL userinfo, in text bound for a log, a metric or the API. */
export class Scrubber {
  private readonly secrets: string[];

  constructor(secrets: string[]) {
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = redactNatsUrl(text);
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_OSSL_)/;
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
]);

/** Every error along the `cause` chain, the outermost first. */
function chain(error: unknown): unknown[] {
  const errors: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && errors.length < 5; e = (e as { cause?: unknown }).cause) {
    errors.push(e);
  }
  return errors;
}

function kindOf(error: unknown): ConnectFailureKind {
  for (const e of chain(error)) {
    if (e instanceof JetStreamUnavailableError) return 'jetstream';
    if (e instanceof UserAuthenticationExpiredError) return 'credentials expired';
    if (e instanceof AuthorizationError) return 'credentials refused';
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? e);
    if (/authentication expired|expired/i.test(message) && /jwt|auth|user/i.test(message)) return 'credentials expired';
    if (/authorization violation|authentication|user credentials/i.test(message)) return 'credentials refused';
    if (TLS_CODES.test(code) || /\btls\b|ssl|certificate/i.test(message)) return 'tls';
    if (UNREACHABLE_CODES.has(code) || /ECONNREFUSED|timeout|closed/i.test(message)) return 'unreachable';
  }
  return 'other';
}

const WORDS: Record<ConnectFailureKind, string> = {
  'credentials refused': 'NATS refused the credentials',
  'credentials expired': 'NATS credentials expired',
  tls: 'TLS with NATS failed',
  unreachable: 'NATS unreachable',
  jetstream: 'JetStream not available',
  other: 'NATS connection failed',
};

/**
 * What kind of failure `error` is, with its messages (the cause chain's) scrubbed of secrets. `expiredAt`:
 * the configured user JWT has expired (the server gives the same answer as for a wrong one).
 */
export function describeConnectFailure(
  error: unknown,
  scrubber: Scrubber,
  expiredAt?: { variable: string; at: Date },
): ConnectFailure {
  const kind = kindOf(error);
  if (expiredAt && (kind === 'credentials refused' || kind === 'credentials expired')) {
    const detail = chain(error).map((e) => String((e as { message?: unknown }).message ?? e))[0] ?? '';
    const message = `${WORDS['credentials expired']}: the user JWT in ${expiredAt.variable} expired at ${expiredAt.at.toISOString()} (server: ${detail})`;
    return { kind: 'credentials expired', message: scrubber.scrub(message) };
  }
  const detail = chain(error)
    .map((e) => String((e as { message?: unknown }).message ?? e))
    .filter((m, i, all) => m.length > 0 && all.indexOf(m) === i)
    .join(': ');
  return { kind, message: scrubber.scrub(`${WORDS[kind]}: ${detail}`) };
}
