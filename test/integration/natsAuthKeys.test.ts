// cellgraph against nats-servers that authenticate with keys: an nkey seed file, and operator mode with a .creds file (user JWT + seed), expired ones included.

import path from 'node:path';
import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { cellgraphForTest, waitReady, waitUntil } from '../support/cellgraph.js';
import { captureLogs } from '../support/logs.js';
import { natsForTest } from '../support/nats.js';
import { expectConnectsAndReads, expectRefused } from '../support/natsAuth.js';
import { newNkeyUser, newOperatorSetup, nkeyServerConfig, secretsDir, writeSecret } from '../support/natsKeys.js';

const seedBytes = (seed: string) => new TextEncoder().encode(seed);
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('nkey', () => {
  it('CELLGRAPH_NATS_NKEY (a seed file) connects and reads', async () => {
    const user = newNkeyUser();
    const nats = await natsForTest({
      config: nkeyServerConfig(user),
      client: { authenticator: nkeyAuthenticator(seedBytes(user.seed)) },
      stream: false,
    });
    // As `nk -gen user` or a secrets mount writes it: the seed and a newline.
    const file = writeSecret(secretsDir(), 'cellgraph.nk', `${user.seed}\n`);
    await expectConnectsAndReads(nats.url, { CELLGRAPH_NATS_NKEY: file }, nats.clientOptions);
  });

  it('a seed the server does not know is refused, retried, reported, and never shown', async () => {
    const known = newNkeyUser();
    const stranger = newNkeyUser();
    const nats = await natsForTest({ config: nkeyServerConfig(known), stream: false });
    const file = writeSecret(secretsDir(), 'stranger.nk', stranger.seed);
    await expectRefused(nats.url, { CELLGRAPH_NATS_NKEY: file }, /refused the credentials/, [
      stranger.seed,
      known.seed,
    ]);
  });
});

describe('operator mode (.creds)', () => {
  it('CELLGRAPH_NATS_CREDS connects and reads', async () => {
    const operator = await newOperatorSetup();
    const admin = await operator.user('test-admin');
    const nats = await natsForTest({
      config: operator.serverConfig,
      client: { authenticator: credsAuthenticator(admin.creds) },
      stream: false,
    });
    const cellgraph = await operator.user('cellgraph');
    const file = writeSecret(secretsDir(), 'cellgraph.creds', cellgraph.creds);
    await expectConnectsAndReads(nats.url, { CELLGRAPH_NATS_CREDS: file }, nats.clientOptions);
  });

  it('a user of another operator is refused, retried, reported, and never shown', async () => {
    const operator = await newOperatorSetup();
    const nats = await natsForTest({ config: operator.serverConfig, stream: false });
    const foreign = await (await newOperatorSetup()).user('cellgraph');
    const file = writeSecret(secretsDir(), 'foreign.creds', foreign.creds);
    await expectRefused(nats.url, { CELLGRAPH_NATS_CREDS: file }, /refused the credentials/, [foreign.seed]);
  });

  it('an expired user JWT is refused and the log says it expired, with when', async () => {
    const operator = await newOperatorSetup();
    const nats = await natsForTest({ config: operator.serverConfig, stream: false });
    const expired = await operator.user('cellgraph', nowSeconds() - 60);
    const file = writeSecret(secretsDir(), 'expired.creds', expired.creds);
    const lastError = await expectRefused(nats.url, { CELLGRAPH_NATS_CREDS: file }, /expired/, [expired.seed]);
    expect(lastError).toMatch(/user JWT in CELLGRAPH_NATS_CREDS expired at \d{4}-\d\d-\d\dT/);
  });

  it('a JWT that expires while connected: the server ends the session, cellgraph says so and keeps retrying', async () => {
    const operator = await newOperatorSetup();
    const nats = await natsForTest({ config: operator.serverConfig, stream: false });
    const shortLived = await operator.user('cellgraph', nowSeconds() + 3);
    const file = writeSecret(secretsDir(), 'short.creds', shortLived.creds);
    const logs = captureLogs('trace');
    const app = await cellgraphForTest(
      nats.url,
      { CELLGRAPH_NATS_CREDS: file, CELLGRAPH_LOG_LEVEL: 'trace' },
      logs.logger,
    );
    await waitReady(app);
    await waitUntil(
      () => /expired/.test(app.source.status().lastError ?? ''),
      'lastError saying the JWT expired',
      20_000,
    );
    expect(app.source.status().connected).toBe(false);
    // Still running: a new .creds file dropped in place is picked up by the next attempt.
    const renewed = await operator.user('cellgraph');
    writeSecret(path.dirname(file), 'short.creds', renewed.creds);
    await waitUntil(
      () => app.source.status().connected && app.source.status().lastError === null,
      'reconnected with the renewed creds',
      30_000,
    );
    expect(logs.text()).not.toContain(shortLived.seed);
    expect(logs.text()).not.toContain(renewed.seed);
  });
});
