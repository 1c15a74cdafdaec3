import type { Plugin } from 'graphql-yoga';

const CODES: Record<number, [code: string, message: string]> = {
  400: ['BAD_REQUEST', 'Bad request.'],
  404: ['NOT_FOUND', 'No such route: the API is at /graphql.'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed: use GET or POST.'],
  406: [
    'NOT_ACCEPTABLE',
    'No acceptable response format: subscriptions need Accept: text/event-stream (SSE) or a WebSocket; queries answer application/json or application/graphql-response+json.',
  ],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: send application/json.'],
};

/**
 * Yoga answers some requests at the HTTP level with a status and no body
 * (406 for a subscription asked for as JSON, for one). Clients parse every
 * answer as GraphQL, so those get a GraphQL error body with a code too.
 */
export function useHttpErrorBodies(): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status < 400 || response.headers.get('content-type')) return;
      const [code, message] = CODES[response.status] ?? ['BAD_REQUEST', `HTTP ${response.status}.`];
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      headers.delete('content-length');
      setResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
          status: response.status,
          headers,
        }),
      );
    },
  };
}
