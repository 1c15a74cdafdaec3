import { afterEach, describe, expect, it, vi } from 'vitest';
import { serve } from '../../src/cli/serve.js';
import { ConfigError, configSchema, loadConfig, unknownVariables } from '../../src/config.js';

/**
 * "Invalid values stop the server at start with a message naming the
 * variable": every variable, given a value it must refuse, is named in the
 * message with why.
 */

const bad: [variable: string, value: string, why: RegExp][] = [
  ['CELLGRAPH_STREAM', 'CELLOS.EVENTS', /valid stream name/],
  ['CELLGRAPH_CREATE_STREAM', 'maybe', /must be true or false/],
  ['CELLGRAPH_PORT', 'eighty', /number/i],
  ['CELLGRAPH_PORT', '65536', /65535/],
  ['CELLGRAPH_PORT', '1.5', /int/i],
  ['CELLGRAPH_LOG_LEVEL', 'verbose', /trace.*silent|expected one of/is],
  ['CELLGRAPH_EMBEDDED_NATS', 'sometimes', /auto.*never/s],
  ['CELLGRAPH_SLOW_OPERATION_MS', '0', /1/],
  ['CELLGRAPH_LOG_OPERATIONS_PER_SECOND', '-1', /0/],
  ['CELLGRAPH_REPLAY_BATCH', '0', /1/],
  ['CELLGRAPH_CONSUMER_HEARTBEAT_MS', '100', /500/],
  ['CELLGRAPH_STALL_TIMEOUT_MS', '-1', /500/],
  ['CELLGRAPH_DEDUP_WINDOW', '-1', /0/],
  ['CELLGRAPH_CHECKPOINT_BUCKET', 'a.b', /bucket name/],
  ['CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS', '0', /1/],
  ['CELLGRAPH_CHECKPOINT_INTERVAL_MS', '999', /1000/],
  ['CELLGRAPH_CHECKPOINT_KEEP', '0', /1/],
  ['CELLGRAPH_CHECKPOINT_WRITE', 'readonly', /must be true or false/],
  ['CELLGRAPH_DEFAULT_PAGE_SIZE', '0', /1/],
  ['CELLGRAPH_MAX_PAGE_SIZE', '1001', /1000/],
  ['CELLGRAPH_GRAPHIQL', 'on', /must be true or false/],
  ['CELLGRAPH_GRAPHQL_JIT', 'off', /must be true or false/],
  ['CELLGRAPH_MIN_SEQ_WAIT_MS', '60001', /60000/],
  ['CELLGRAPH_BOOKMARK_INTERVAL_MS', '99', /100/],
  ['CELLGRAPH_EVENT_QUEUE_LIMIT', '0', /1/],
  ['CELLGRAPH_CATCHUP_SLICE_MS', '1001', /1000/],
  // README: "≤ 30 s, under common proxy idle timeouts"
  ['CELLGRAPH_WS_KEEPALIVE_MS', '30001', /30000/],
  ['CELLGRAPH_TOKEN', 'short', /at least 16 characters/],
  ['CELLGRAPH_TOKEN', ' , ', /at least one token/],
  ['CELLGRAPH_ALLOW_OPEN', 'sure', /must be true or false/],
  ['CELLGRAPH_JWT_JWKS_URL', 'ftp://idp.example/jwks', /http/],
  ['CELLGRAPH_JWT_SECRET', 'too-short-for-hs256', /32/],
  ['CELLGRAPH_JWT_AUDIENCE', ' , ', /at least one/],
  ['CELLGRAPH_JWT_CLOCK_TOLERANCE_S', '31', /30/],
  ['CELLGRAPH_CORS_ORIGINS', 'https://dash.example/', /scheme:\/\/host/],
  ['CELLGRAPH_TRUSTED_DOCUMENTS', '/nonexistent/persisted-documents.json', /cannot read .*ENOENT/],
  ['CELLGRAPH_TRUSTED_DOCUMENTS_ADMIN_BYPASS', 'admins', /must be true or false/],
  ['CELLGRAPH_INTROSPECTION', 'disabled', /must be true or false/],
  ['CELLGRAPH_EXPOSE_ERRORS', '2', /must be true or false/],
  ['CELLGRAPH_MAX_DEPTH', '0', /1/],
  ['CELLGRAPH_MAX_COST', 'lots', /number/i],
  ['CELLGRAPH_MAX_ALIASES', '-1', /0/],
  ['CELLGRAPH_MAX_DIRECTIVES', '-1', /0/],
  ['CELLGRAPH_MAX_TOKENS', '0', /1/],
  ['CELLGRAPH_MAX_DOCUMENT_BYTES', '63', /64/],
  ['CELLGRAPH_MAX_BODY_BYTES', '1023', /1024/],
  ['CELLGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION', '0', /1/],
  ['CELLGRAPH_MAX_SUBSCRIPTIONS', '0', /1/],
  ['CELLGRAPH_WS_MAX_PAYLOAD', '1023', /1024/],
  ['CELLGRAPH_WS_INIT_TIMEOUT_MS', '99', /100/],
  ['CELLGRAPH_NATS_URL', 'nats://a:pw1@h1:4222,nats://a:pw2@h2:4222', /different credentials/],
  ['CELLGRAPH_NATS_URL', 'http://h1:4222', /only nats:\/\/ and tls:\/\//],
  ['CELLGRAPH_NATS_URL', ' , ', /at least one server/],
  ['CELLGRAPH_NATS_USER', '', /must be set with CELLGRAPH_NATS_PASSWORD/],
  ['CELLGRAPH_NATS_PASSWORD', '', /must be set with CELLGRAPH_NATS_USER/],
  ['CELLGRAPH_NATS_TOKEN', '', /only one way to authenticate/],
  ['CELLGRAPH_NATS_NKEY', '/nonexistent/user.nk', /cannot read \/nonexistent\/user.nk: ENOENT/],
  ['CELLGRAPH_NATS_CREDS', '/nonexistent/user.creds', /cannot read .*ENOENT/],
  ['CELLGRAPH_NATS_TLS_CA', '/nonexistent/ca.pem', /cannot read .*ENOENT/],
  ['CELLGRAPH_NATS_TLS_CERT', '/tmp', /cannot read \/tmp: not a file/],
  ['CELLGRAPH_NATS_TLS_KEY', '/nonexistent/key.pem', /cannot read .*ENOENT/],
];

/** Variables whose refusal depends on another one: the other variables set for the case. */
const companions: Record<string, Record<string, string>> = {
  CELLGRAPH_NATS_USER: { CELLGRAPH_NATS_PASSWORD: 'pw' },
  CELLGRAPH_NATS_PASSWORD: { CELLGRAPH_NATS_USER: 'cellgraph' },
  CELLGRAPH_NATS_TOKEN: { CELLGRAPH_NATS_TOKEN: 'a-token', CELLGRAPH_NATS_URL: 'nats://u:p@h:4222' },
};

/** Any non-empty string is valid for these (and an empty one means unset). */
const FREE_FORM = [
  'CELLGRAPH_SUBJECTS',
  'CELLGRAPH_HOST',
  'CELLGRAPH_DATA_DIR',
  'CELLGRAPH_JWT_PUBLIC_KEY',
  'CELLGRAPH_JWT_ISSUER',
  'CELLGRAPH_JWT_TENANT_CLAIM',
];

function messageFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it.each(bad)('%s=%s is refused, naming the variable and why', (variable, value, why) => {
    const message = messageFor({ [variable]: value, ...companions[variable] });
    // A list variable names the element too (CELLGRAPH_TOKEN.0).
    const line = message.split('\n').find((l) => new RegExp(`^\\s+${variable}(\\.\\d+)?: `).test(l));
    expect(line, message).toBeDefined();
    expect(line).toMatch(why);
  });

  it('an empty checkpoint bucket disables checkpoints; unset is the default bucket', () => {
    expect(loadConfig({ CELLGRAPH_CHECKPOINT_BUCKET: '' }).CELLGRAPH_CHECKPOINT_BUCKET).toBe('');
    expect(loadConfig({}).CELLGRAPH_CHECKPOINT_BUCKET).toBe('cellgraph-checkpoints');
  });

  it('covers every variable of the schema', () => {
    expect(new Set([...bad.map(([variable]) => variable), ...FREE_FORM])).toEqual(
      new Set(Object.keys(configSchema.shape)),
    );
  });

  it('names every bad variable at once, not only the first', () => {
    const message = messageFor({ CELLGRAPH_PORT: 'x', CELLGRAPH_GRAPHIQL: 'x', CELLGRAPH_MAX_DEPTH: 'x' });
    for (const variable of ['CELLGRAPH_PORT', 'CELLGRAPH_GRAPHIQL', 'CELLGRAPH_MAX_DEPTH'])
      expect(message).toContain(`${variable}:`);
  });

  it('accepts the documented edges and treats empty values as unset', () => {
    const config = loadConfig({
      CELLGRAPH_WS_KEEPALIVE_MS: '30000',
      CELLGRAPH_NATS_URL: '',
      CELLGRAPH_PORT: '',
      CELLGRAPH_GRAPHIQL: 'no',
      CELLGRAPH_EMBEDDED_NATS: 'never',
    });
    expect(config).toMatchObject({
      CELLGRAPH_WS_KEEPALIVE_MS: 30_000,
      CELLGRAPH_PORT: 4000,
      CELLGRAPH_GRAPHIQL: false,
      CELLGRAPH_EMBEDDED_NATS: 'never',
    });
    expect(config.CELLGRAPH_NATS_URL).toBeUndefined();
  });

  it("ignores variables that are not cellgraph's", () => {
    expect(() => loadConfig({ PORT: 'not a number', NODE_ENV: 'x' })).not.toThrow();
  });
});

describe('cellgraph serve with an invalid configuration', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('stops at start with exit code 2 and the message on stderr, before touching NATS', async () => {
    vi.stubEnv('CELLGRAPH_PORT', 'eighty');
    vi.stubEnv('CELLGRAPH_NATS_URL', 'nats://127.0.0.1:1');
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // process.exit must not end the test run: make it throw where serve() would have stopped.
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    await expect(serve()).rejects.toThrow('exit 2');
    expect(stderr).toHaveBeenCalledWith(
      expect.stringMatching(/^cellgraph: invalid configuration:\n {2}CELLGRAPH_PORT: /),
    );
  });
});

describe('unknownVariables (a start-up warning for misspelled settings)', () => {
  it('names the closest known variable for a typo', () => {
    expect(unknownVariables({ CELLGRAPH_MAX_COSTS: '10', CELLGRAPH_NAT_URL: 'nats://x:4222' })).toEqual([
      { name: 'CELLGRAPH_MAX_COSTS', didYouMean: 'CELLGRAPH_MAX_COST' },
      { name: 'CELLGRAPH_NAT_URL', didYouMean: 'CELLGRAPH_NATS_URL' },
    ]);
  });

  it('names no suggestion when nothing known is close, and ignores known and foreign variables', () => {
    const known = Object.fromEntries(Object.keys(configSchema.shape).map((name) => [name, 'x']));
    expect(unknownVariables({ ...known, PORT: '1', CELLGRAPH_WHATEVER_ELSE_ENTIRELY: '1' })).toEqual([
      { name: 'CELLGRAPH_WHATEVER_ELSE_ENTIRELY' },
    ]);
  });
});
