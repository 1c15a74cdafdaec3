// Verifies JWT bearer tokens (jose) and reads the caller's tenants or admin scope from their claims.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../../config.js';
import { SEE_ALL, tenantVisibility, type Visibility } from '../../projection/visibility.js';

export const ADMIN_SCOPE = 'cellgraph:admin';

export type JwtOutcome =
  | { ok: true; visibility: Visibility; expiresAt: number | null }
  | { ok: false; reason: 'invalid' | 'forbidden'; message: string };

/** Asymmetric algorithms only for public keys: an HS256 token "signed" with the public key is refused. */
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** The algorithms a PEM public key can verify: a token naming any other is refused before any check. */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const alg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[curve ?? ''];
      if (!alg) throw new Error(`unsupported EC curve ${curve}`);
      return [alg];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`unsupported public key type ${key.asymmetricKeyType}`);
  }
}

/** A claim by its exact name first (namespaced names contain dots), else by dotted path. */
export function readClaim(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A string or an array of strings; anything else counts as absent. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

/** `scope` is space-separated (RFC 8693), `scp` a string or an array (Azure AD, Okta). */
function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  for (const claim of [payload['scope'], payload['scp']])
    for (const entry of stringsOf(claim)) for (const s of entry.split(/\s+/)) if (s) scopes.add(s);
  return scopes;
}

/** Admin scope, else the tenant claim; neither: refused. */
export function visibilityOf(payload: JWTPayload, tenantClaim: string): Visibility | null {
  if (scopesOf(payload).has(ADMIN_SCOPE)) return SEE_ALL;
  const tenants = stringsOf(readClaim(payload, tenantClaim));
  return tenants.length > 0 ? tenantVisibility(tenants) : null;
}

/**
 * One configured key source (JWKS URL, PEM public key or HS256 secret) and
 * the claims checked on every token: signature with an algorithm the key
 * allows (never `none`), issuer and audience when configured, exp/nbf with
 * the configured tolerance.
 */
export class JwtVerifier {
  private constructor(
    private readonly key: JWTVerifyGetKey | KeyObject | Uint8Array,
    private readonly algorithms: string[],
    private readonly config: Config,
  ) {}

  /** Null when no key source is configured. Throws (at start) on an unreadable or unsupported key. */
  static fromConfig(config: Config): JwtVerifier | null {
    if (config.CELLGRAPH_JWT_JWKS_URL) {
      // jose caches the set and fetches it again for an unknown kid, at most once per cooldown:
      // key rotation works, and a flood of made-up kids cannot flood the identity provider.
      const jwks = createRemoteJWKSet(new URL(config.CELLGRAPH_JWT_JWKS_URL), {
        cooldownDuration: 2_000,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      });
      return new JwtVerifier(jwks, ASYMMETRIC, config);
    }
    if (config.CELLGRAPH_JWT_PUBLIC_KEY) {
      const path = config.CELLGRAPH_JWT_PUBLIC_KEY;
      let key: KeyObject;
      try {
        key = createPublicKey(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new Error(`CELLGRAPH_JWT_PUBLIC_KEY: cannot read a PEM public key from ${path}: ${String(error)}`);
      }
      return new JwtVerifier(key, algorithmsOf(key), config);
    }
    if (config.CELLGRAPH_JWT_SECRET) {
      return new JwtVerifier(new TextEncoder().encode(config.CELLGRAPH_JWT_SECRET), ['HS256'], config);
    }
    return null;
  }

  async verify(token: string): Promise<JwtOutcome> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        clockTolerance: this.config.CELLGRAPH_JWT_CLOCK_TOLERANCE_S,
        ...(this.config.CELLGRAPH_JWT_ISSUER ? { issuer: this.config.CELLGRAPH_JWT_ISSUER } : {}),
        ...(this.config.CELLGRAPH_JWT_AUDIENCE ? { audience: this.config.CELLGRAPH_JWT_AUDIENCE } : {}),
      };
      // One call per key type: jose overloads on a key getter versus a key.
      ({ payload } =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options));
    } catch (error) {
      return { ok: false, reason: 'invalid', message: describe(error) };
    }
    const visibility = visibilityOf(payload, this.config.CELLGRAPH_JWT_TENANT_CLAIM);
    if (!visibility)
      return {
        ok: false,
        reason: 'forbidden',
        message: `The token grants neither a tenant (claim ${this.config.CELLGRAPH_JWT_TENANT_CLAIM}) nor the ${ADMIN_SCOPE} scope.`,
      };
    // The same tolerance as the check above: a token accepted now is not cut off a moment later.
    const tolerance = this.config.CELLGRAPH_JWT_CLOCK_TOLERANCE_S * 1000;
    return { ok: true, visibility, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 + tolerance : null };
  }
}

/** Why a token was refused, in words that reveal no key material. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not accepted.`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not accepted.";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is invalid.";
  if (error instanceof errors.JWKSNoMatchingKey) return 'No key matches the token.';
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_INVALID'))
    return 'The signing keys could not be fetched.';
  return 'Invalid bearer token.';
}
