// Who is calling: a bearer credential (static token or JWT) to a Caller with its visibility and expiry.
import { authRequired, type Config } from '../../config.js';
import { SEE_ALL, type Visibility } from '../../projection/visibility.js';
import { JwtVerifier } from './jwtVerifier.js';
import { TokenCheck } from './tokenCheck.js';

export interface Caller {
  readonly visibility: Visibility;
  /** When the credential stops being valid (ms since the epoch); null: never (static tokens, open servers). */
  readonly expiresAt: number | null;
}

/** Everyone, when no authentication is configured; and the holder of a static token. */
export const ADMIN: Caller = { visibility: SEE_ALL, expiresAt: null };

export type AuthOutcome =
  | { ok: true; caller: Caller }
  | { ok: false; reason: 'missing' | 'invalid' | 'forbidden'; message: string };

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const MISSING: AuthOutcome = {
  ok: false,
  reason: 'missing',
  message: 'Authentication required: send Authorization: Bearer <token>.',
};
const INVALID: AuthOutcome = { ok: false, reason: 'invalid', message: 'Invalid bearer token.' };

/**
 * Static tokens (`CELLGRAPH_TOKEN`, admin) are compared first, in constant
 * time; anything else is tried as a JWT when a key is configured.
 */
export class Authenticator {
  private readonly tokens: TokenCheck | null;
  private readonly jwt: JwtVerifier | null;
  /** False: nothing configured, every caller is admin (loopback or CELLGRAPH_ALLOW_OPEN). */
  readonly required: boolean;

  constructor(config: Config) {
    this.tokens = config.CELLGRAPH_TOKEN ? new TokenCheck(config.CELLGRAPH_TOKEN) : null;
    this.jwt = JwtVerifier.fromConfig(config);
    this.required = authRequired(config);
  }

  /** Checks an `Authorization` header value. */
  header(value: unknown): Promise<AuthOutcome> | AuthOutcome {
    if (!this.required) return { ok: true, caller: ADMIN };
    if (value === undefined || value === null || value === '') return MISSING;
    if (typeof value !== 'string') return INVALID;
    const match = BEARER.exec(value);
    return match ? this.token(match[1]!) : INVALID;
  }

  /** Checks a bare token. */
  token(token: string): Promise<AuthOutcome> | AuthOutcome {
    if (!this.required) return { ok: true, caller: ADMIN };
    if (this.tokens?.matches(token)) return { ok: true, caller: ADMIN };
    if (!this.jwt) return INVALID;
    return this.jwt
      .verify(token)
      .then((outcome) =>
        outcome.ok
          ? { ok: true, caller: { visibility: outcome.visibility, expiresAt: outcome.expiresAt } }
          : { ok: false, reason: outcome.reason, message: outcome.message },
      );
  }
}
