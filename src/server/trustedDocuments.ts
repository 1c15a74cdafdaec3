// Trusted documents (CELLGRAPH_TRUSTED_DOCUMENTS): which operations may run, decided once for HTTP, SSE and WebSocket.
import { readFileSync } from 'node:fs';
import { type DocumentNode, type GraphQLError, parse } from 'graphql';
import { apiError, ErrorCode } from '../schema/errors.js';

/** What a request asks to run: the `query` text and/or the APQ hash in `extensions.persistedQuery.sha256Hash`. */
export interface OperationRequest {
  query?: unknown;
  extensions?: unknown;
}

/** One document of the manifest, parsed once: every request naming it gets this same DocumentNode. */
export interface TrustedDocument {
  readonly hash: string;
  readonly text: string;
  readonly document: DocumentNode;
}

export type TrustedVerdict =
  /** In the manifest: run exactly this document (no parse; its validation is cached by the node). */
  | { readonly kind: 'listed'; readonly entry: TrustedDocument }
  /** Not listed, but the caller may run any operation (an admin credential, with the bypass on). */
  | { readonly kind: 'bypass' }
  | { readonly kind: 'refused'; readonly error: GraphQLError };

/** The GraphQL-over-HTTP persisted-documents form of a SHA-256 id (what the client preset writes); APQ sends the bare hex. */
const SHA256_PREFIX = 'sha256:';

/**
 * The allow-list of operations, read from a manifest in the format GraphQL
 * Code Generator's client preset writes (`persisted-documents.json`: an
 * object of hash to document text). A request runs a listed document when it
 * names it by hash (Apollo APQ / urql `persistedExchange`:
 * `extensions.persistedQuery.sha256Hash`, with or without `sha256:`) or
 * sends its text verbatim; anything else is refused with a stable code.
 * When text is sent, the text decides (a listed hash cannot carry an unlisted
 * text in with it).
 */
export class TrustedDocuments {
  private readonly byHash = new Map<string, TrustedDocument>();
  private readonly byText = new Map<string, TrustedDocument>();

  /**
   * @param manifest hash → document text
   * @param adminBypass whether an admin credential may run unlisted operations (GraphiQL, ad-hoc queries)
   */
  constructor(
    manifest: Readonly<Record<string, unknown>>,
    readonly adminBypass: boolean,
  ) {
    for (const [hash, text] of Object.entries(manifest)) {
      if (typeof text !== 'string') throw new Error(`entry ${hash} is not a document string`);
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch (error) {
        throw new Error(`entry ${hash} does not parse: ${(error as Error).message}`);
      }
      const entry: TrustedDocument = { hash, text, document };
      this.byHash.set(hash, entry);
      if (hash.startsWith(SHA256_PREFIX)) this.byHash.set(hash.slice(SHA256_PREFIX.length), entry);
      this.byText.set(text, entry);
    }
  }

  /** Reads the manifest; a missing, unreadable or malformed one is a start-up error naming the variable. */
  static fromFile(path: string, adminBypass: boolean): TrustedDocuments {
    try {
      const manifest: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest))
        throw new Error('not a JSON object of hash to document');
      return new TrustedDocuments(manifest as Record<string, unknown>, adminBypass);
    } catch (error) {
      throw new Error(`CELLGRAPH_TRUSTED_DOCUMENTS: ${path}: ${(error as Error).message}`);
    }
  }

  get size(): number {
    return this.byText.size;
  }

  /** `isAdmin`: the caller presented an admin credential (an open server has none, so nobody bypasses there). */
  check(request: OperationRequest, isAdmin: boolean): TrustedVerdict {
    const text = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
    if (text !== undefined) {
      const entry = this.byText.get(text);
      if (entry) return { kind: 'listed', entry };
      if (this.adminBypass && isAdmin) return { kind: 'bypass' };
      return {
        kind: 'refused',
        error: apiError(
          ErrorCode.OPERATION_NOT_TRUSTED,
          'This server runs trusted documents only: send a listed document by its hash or its exact text.',
        ),
      };
    }
    const hash = hashOf(request.extensions);
    const entry = hash === undefined ? undefined : this.byHash.get(hash);
    if (entry) return { kind: 'listed', entry };
    return {
      kind: 'refused',
      error: apiError(
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        // Apollo's APQ link matches this exact message (and the code) to send the text instead.
        hash === undefined ? 'No document and no persisted query hash sent.' : 'PersistedQueryNotFound',
      ),
    };
  }
}

function hashOf(extensions: unknown): string | undefined {
  if (extensions === null || typeof extensions !== 'object') return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === null || typeof persisted !== 'object') return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}
