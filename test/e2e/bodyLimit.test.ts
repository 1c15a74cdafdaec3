import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';

/**
 * The request body limit skips its counting stream when Content-Length
 * settles it: bodies without one (chunked) must still be counted.
 */
const nats = useNats({ stream: false });
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_MAX_BODY_BYTES: '2048' });
  await app.source.whenReady();
  return () => app.stop();
});

function post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const url = new URL(`${app.url}/graphql`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    // Several chunks, so a chunked body arrives in pieces.
    for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500));
    req.end();
  });
}

const body = (size: number) => {
  const empty = JSON.stringify({ query: '{ projection { seq } }', variables: { pad: '' } });
  return JSON.stringify({ query: '{ projection { seq } }', variables: { pad: 'x'.repeat(size - empty.length) } });
};

describe('request body limit', () => {
  it('with Content-Length: within the limit answers, over it is 413', async () => {
    const under = await post(body(2048), { 'content-length': '2048' });
    expect(under.status).toBe(200);
    expect(JSON.parse(under.text)).toMatchObject({ data: { projection: {} } });
    const over = await post(body(2049), { 'content-length': '2049' });
    expect(over.status).toBe(413);
    expect(over.text).toContain('REQUEST_ENTITY_TOO_LARGE');
  });

  it('chunked (no Content-Length): counted as it streams, 413 past the limit', async () => {
    const under = await post(body(2048), { 'transfer-encoding': 'chunked' });
    expect(under.status).toBe(200);
    const over = await post(body(6000), { 'transfer-encoding': 'chunked' });
    expect(over.status).toBe(413);
    expect(over.text).toContain('REQUEST_ENTITY_TOO_LARGE');
  });
});
