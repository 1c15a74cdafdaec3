// cellgraph against nats-servers that demand credentials: each way to give them works, a wrong one is refused without leaking it.
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/source/natsServerProcess.js';
import { natsForTest } from '../support/nats.js';
import { expectConnectsAndReads, expectRefused } from '../support/natsAuth.js';

const USER = 'cellgraph';
const PASSWORD = 'pw-Zq8vR3-very-secret';
const TOKEN = 'tok-Hn4kP7-very-secret';

const usersConfig = `authorization { users = [ { user: "${USER}", password: "${PASSWORD}" } ] }\n`;
const tokenConfig = `authorization { token: "${TOKEN}" }\n`;

/** `nats://127.0.0.1:4222` with `userinfo@` put in front of the host. */
const withUserinfo = (url: string, userinfo: string) => url.replace('://', `://${userinfo}@`);

describe('user and password', () => {
  it('CELLGRAPH_NATS_USER/PASSWORD connect and read', async () => {
    const nats = await natsForTest({ config: usersConfig, client: { user: USER, pass: PASSWORD }, stream: false });
    await expectConnectsAndReads(
      nats.url,
      { CELLGRAPH_NATS_USER: USER, CELLGRAPH_NATS_PASSWORD: PASSWORD },
      nats.clientOptions,
    );
  });

  it('credentials written into the URL connect and read', async () => {
    const nats = await natsForTest({ config: usersConfig, client: { user: USER, pass: PASSWORD }, stream: false });
    await expectConnectsAndReads(
      withUserinfo(nats.url, `${USER}:${encodeURIComponent(PASSWORD)}`),
      {},
      nats.clientOptions,
    );
  });

  it('a wrong password is refused, retried, reported, and never shown', async () => {
    const nats = await natsForTest({ config: usersConfig, stream: false });
    const wrong = 'pw-wrong-Xk2-secret';
    await expectRefused(
      nats.url,
      { CELLGRAPH_NATS_USER: USER, CELLGRAPH_NATS_PASSWORD: wrong },
      /refused the credentials/,
      [wrong, PASSWORD],
    );
    // The same in a URL: the log shows the URL with its credentials redacted.
    await expectRefused(withUserinfo(nats.url, `${USER}:${wrong}`), {}, /refused the credentials/, [wrong]);
  });
});

describe('token', () => {
  it('CELLGRAPH_NATS_TOKEN connects and reads', async () => {
    const nats = await natsForTest({ config: tokenConfig, client: { token: TOKEN }, stream: false });
    await expectConnectsAndReads(nats.url, { CELLGRAPH_NATS_TOKEN: TOKEN }, nats.clientOptions);
  });

  it('a token in the URL (nats://token@host) connects and reads', async () => {
    const nats = await natsForTest({ config: tokenConfig, client: { token: TOKEN }, stream: false });
    await expectConnectsAndReads(withUserinfo(nats.url, TOKEN), {}, nats.clientOptions);
  });

  it('a wrong token is refused, retried, reported, and never shown', async () => {
    const nats = await natsForTest({ config: tokenConfig, stream: false });
    const wrong = 'tok-wrong-Qm9-secret';
    await expectRefused(nats.url, { CELLGRAPH_NATS_TOKEN: wrong }, /refused the credentials/, [wrong, TOKEN]);
    await expectRefused(withUserinfo(nats.url, wrong), {}, /refused the credentials/, [wrong]);
  });
});

describe('several seeds', () => {
  it('every seed is used: a dead seed first or last, the live one is found', async () => {
    const nats = await natsForTest({ config: usersConfig, client: { user: USER, pass: PASSWORD }, stream: false });
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const live = withUserinfo(nats.url, `${USER}:${PASSWORD}`);
    await expectConnectsAndReads(`${dead},${live}`, {}, nats.clientOptions);
    await expectConnectsAndReads(` ${live} , ${dead} `, {}, nats.clientOptions);
  });

  it('with no seed up, it keeps retrying and says NATS is unreachable', async () => {
    const urls = `nats://127.0.0.1:${await freePort()},nats://127.0.0.1:${await freePort()}`;
    const lastError = await expectRefused(urls, {}, /unreachable/, []);
    expect(lastError).toMatch(/unreachable/);
  });
});
