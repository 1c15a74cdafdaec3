import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * yoga's CSRF prevention, for the requests that need it. A GET is answered
 * without the CSRF header, so default GET clients (urql, Apollo with
 * `useGETForQueries`) work as they are. That reopens nothing:
 * - cellgraph sets and reads no cookies: the only credential is the bearer
 *   token, which travels in `Authorization`, a header no cross-site "simple"
 *   request can carry (it forces a preflight), so a forged GET arrives
 *   unauthenticated and is refused (401) when a token is configured;
 * - a GET can only read: yoga runs no mutation over GET, the schema has no
 *   mutation, and a subscription over GET is SSE, read-only too;
 * - a cross-site page cannot read the answer: CORS answers listed origins
 *   only (CELLGRAPH_CORS_ORIGINS, same origin by default).
 * Other methods keep the check: a POST with a content type an HTML form can
 * send (no preflight) needs `Authorization` or `x-graphql-yoga-csrf`, and is
 * otherwise refused with 403 and the code CSRF_PREVENTED.
 */
export function useCsrfPrevention(requestHeaders: string[]): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders });
  const check = csrf.onRequestParse;
  return {
    onRequestParse(payload) {
      if (!check || payload.request.method === 'GET' || payload.request.method === 'HEAD') return undefined;
      try {
        return check(payload);
      } catch {
        throw createGraphQLError(
          'Refused as a possible cross-site request: send Content-Type: application/json, or an Authorization or x-graphql-yoga-csrf header.',
          { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
}
