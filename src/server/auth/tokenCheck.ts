// Static bearer tokens (CELLGRAPH_TOKEN), compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Both sides are hashed first so the comparison sees equal lengths and leaks
 * neither a prefix nor the token's length, and every configured token is
 * compared (no early exit).
 */
export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  matches(token: string): boolean {
    const candidate = digest(token);
    let ok = false;
    for (const expected of this.digests) ok = timingSafeEqual(candidate, expected) || ok;
    return ok;
  }
}
