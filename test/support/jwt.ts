// Tokens and an identity provider for the auth tests: key pairs, a JWKS endpoint that can rotate, signed JWTs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export type KeyPair = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string; alg: string };

export async function keyPair(kid: string, alg = 'RS256'): Promise<KeyPair> {
  return { ...(await generateKeyPair(alg, { extractable: true })), kid, alg };
}

/** Signs a JWT; `exp` defaults to in an hour, `iat` to now. */
export function sign(key: KeyPair | { secret: string }, claims: JWTPayload, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ iat: now, exp: now + 3600, ...claims });
  if ('secret' in key)
    return jwt.setProtectedHeader({ alg: 'HS256', ...header }).sign(new TextEncoder().encode(key.secret));
  return jwt.setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** An unsigned token (`alg: none`), as an attacker would send one. */
export function unsigned(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

/** A JWKS endpoint on a free port serving the public halves of `keys`, which a test may replace (rotation). */
export async function jwksServer(keys: KeyPair[]): Promise<{
  url: string;
  fetches: () => number;
  setKeys(keys: KeyPair[]): void;
  close(): Promise<void>;
}> {
  let current = keys;
  let fetches = 0;
  const server = http.createServer(async (_req, res) => {
    fetches += 1;
    const jwks = await Promise.all(
      current.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' })),
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    setKeys(keys) {
      current = keys;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
