import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A GraphQL subscription over SSE (yoga's single-connection mode): collects each `next` payload. */
export function sseSubscribe<T, V>(
  httpUrl: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  onData: (data: T) => void,
  headers: Record<string, string> = {},
): { stop(): void; done: Promise<void>; status: Promise<number> } {
  const controller = new AbortController();
  let setStatus: (status: number) => void = () => {};
  const status = new Promise<number>((resolve) => (setStatus = resolve));
  const done = (async () => {
    const response = await fetch(`${httpUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: print(document), variables }),
      signal: controller.signal,
    });
    setStatus(response.status);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'next' && data) {
            const payload = JSON.parse(data) as { data?: T };
            if (payload.data) onData(payload.data);
          }
          if (event === 'complete') return;
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  done.catch(() => undefined);
  return { stop: () => controller.abort(), done, status };
}

/** Reads a raw SSE response until its text contains `marker` (or the stream ends), then aborts it; returns the text. */
export async function readSseUntil(response: Response, marker: string, controller: AbortController): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return text;
}
