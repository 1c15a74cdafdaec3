/**
 * The query baseline: the least work that answers the benchmark's two
 * documents (CELLS_QUERY, CELL_QUERY in queries.ts) with the very bytes
 * cellgraph sends. Same page selection through the same index
 * (readCellPage, projection.cells), the same cursors (encodeCursor), and a
 * serialiser written out for this one selection: string concatenation in
 * the selection's field order, JSON.stringify only for strings that may need
 * escaping. No parsing, validation or execution of a document, no response
 * objects: what is left is the limit a GraphQL server could reach. The
 * benchmark checks the bytes are equal before it measures (sameBytes).
 */
import http from 'node:http';
import { DEFAULT_CELL_ORDER, orderKeyOf } from '../../src/projection/cellOrder.js';
import { readCellPage } from '../../src/projection/cellPage.js';
import type { Projection } from '../../src/projection/projection.js';
import { type CellRecord, cellDurationMs } from '../../src/projection/records.js';
import { encodeCursor } from '../../src/schema/pagination.js';

const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
// Enum values: the record's lowercase value, upper-cased (the schema's enums are built that way).
const enumValue = (value: string | null) => (value === null ? 'null' : `"${value.toUpperCase()}"`);
const number = (value: number | null) => (value === null ? 'null' : String(value));

/** One cell as CELL_FIELDS selects it, in that order. */
export function cellJson(cell: CellRecord): string {
  return (
    `{"id":${JSON.stringify(cell.id)},"specId":${text(cell.specId)},"runId":${text(cell.runId)}` +
    `,"state":"${cell.state.toUpperCase()}","status":"${cell.state}","formationId":${text(cell.formationId)}` +
    `,"tenantId":${text(cell.tenantId)},"startedAt":${text(cell.startedAt)},"destroyedAt":${text(cell.destroyedAt)}` +
    `,"outcome":${enumValue(cell.outcome)},"exitCode":${number(cell.exitCode)}` +
    `,"terminalState":${enumValue(cell.terminalState)},"reason":${text(cell.reason)}` +
    `,"durationMs":${number(cellDurationMs(cell))},"firstSeq":${cell.firstSeq},"lastSeq":${cell.lastSeq}` +
    `,"updatedAt":${text(cell.updatedAt)},"eventCount":${cell.eventCount}}`
  );
}

const ORDER_NAME = `${DEFAULT_CELL_ORDER.field}:${DEFAULT_CELL_ORDER.direction}`;

/** CELLS_QUERY's answer: `cells(first)` in the default order. */
export function cellsJson(projection: Projection, first: number): string {
  const page = readCellPage(projection, { first });
  let edges = '';
  let endCursor = 'null';
  for (const cell of page.cells) {
    const key = orderKeyOf(cell, DEFAULT_CELL_ORDER);
    endCursor = `"${encodeCursor(ORDER_NAME, key.key, key.id)}"`;
    edges += `${edges === '' ? '' : ','}{"cursor":${endCursor},"node":${cellJson(cell)}}`;
  }
  return `{"data":{"cells":{"seq":${projection.cursor},"pageInfo":{"hasNextPage":${page.hasNextPage},"endCursor":${endCursor}},"edges":[${edges}]}}}`;
}

/** CELL_QUERY's answer for one id. */
export function cellByIdJson(projection: Projection, id: string): string {
  const cell = projection.cells.get(id);
  return `{"data":{"cell":${cell ? cellJson(cell) : 'null'}}}`;
}

const CELL_PREFIX = '/cell?id=';

/** GET /cells?first=N and GET /cell?id=ID over node:http. */
export function bareQueryServer(projection: Projection): http.Server {
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    let body: string;
    if (url.startsWith('/cells?first=')) body = cellsJson(projection, Number(url.slice(13)));
    else if (url.startsWith(CELL_PREFIX))
      body = cellByIdJson(projection, decodeURIComponent(url.slice(CELL_PREFIX.length)));
    else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
