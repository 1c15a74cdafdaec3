import type { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

function bodyTooLarge() {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

function invalidContentLength() {
  return createGraphQLError('Content-Length header is invalid.', {
    extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
  });
}

// Only a single non-negative integer is a valid Content-Length.
const CONTENT_LENGTH = /^\d+$/;

function isNodeRequest(value: unknown): value is IncomingMessage {
  return (
    typeof value === 'object' && value !== null && 'httpVersion' in value && 'headers' in value && 'socket' in value
  );
}

/**
 * yoga's `maxRequestBodySize`, same checks and same errors, without the
 * per-request stream it costs when nothing can overflow. yoga checks the
 * Content-Length header and then always pipes the body through a counting
 * TransformStream (for chunked bodies, or a header that lies): on a small
 * query that pipeline (abort signal, DOMException, stream plumbing) was the
 * largest part of yoga's own per-request cost. A request that came through
 * node:http with a valid Content-Length and no Transfer-Encoding cannot
 * carry more bytes than that header says (Node's HTTP parser reads exactly
 * that many, and refuses a request with both headers), so once the header
 * is within the limit the counting stream is skipped. Every other request
 * (chunked, or from `yoga.fetch`, whose headers prove nothing) is counted
 * as before. Registered last, after yoga's request parsers.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI, serverContext }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength != null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw invalidContentLength();
        if (Number(contentLength) > limit) throw bodyTooLarge();
      }
      if (requestParser == null || request.body == null) return;
      const node = (serverContext as { req?: unknown } | undefined)?.req;
      if (
        contentLength != null &&
        isNodeRequest(node) &&
        node.headers['transfer-encoding'] === undefined &&
        node.headers['content-length'] === contentLength
      ) {
        return;
      }
      const parse = requestParser;
      setRequestParser((req) => parse(limitBody(req, limit, fetchAPI)));
    },
  };
}

/** The request with its body counted as it streams: past `limit` bytes the body errors with 413. */
function limitBody(
  request: Request,
  limit: number,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
): Request {
  const body = request.body;
  if (!body) return request;
  // As yoga does: a native ReadableStream body needs the native TransformStream (graphql-yoga#4583).
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let bytesRead = 0;
  const limited = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > limit) {
          controller.error(bodyTooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: 'half',
  } as RequestInit);
}
