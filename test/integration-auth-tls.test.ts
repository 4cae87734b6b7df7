// Credentials, TLS and server failover.
import test from 'ava';
import { freePort, startMosquitto } from './helpers/brokers.js';
import { BROKERS, Probe, uid } from './helpers/integration.js';
import { Cleanup, delay, waitFor } from './helpers/wait.js';

test('mosquitto passwords: a wrong password is a typed CONNACK error, tried once; the right one works', async (t) => {
  t.timeout(20000);
  const c = new Cleanup();
  t.teardown(() => c.run());
  const broker = await startMosquitto({ passwords: { dev: 'p@ss:w/rd', other: 'x' } });
  c.add(() => broker.close());

  const wrong = new Probe({ url: 'mqtt://dev:nope@127.0.0.1:' + broker.port, clientId: uid('auth') }).connect();
  c.add(() => wrong.end());
  await waitFor(() => wrong.errors.length > 0, 5000, 'an error for the wrong password');
  // MQTT 3.1.1 has two refusals for this; mosquitto 2 answers 5 (not authorized).
  t.true(['CONNACK_REFUSED_BAD_CREDENTIALS', 'CONNACK_REFUSED_NOT_AUTHORIZED'].includes(wrong.errors[0].code),
    wrong.errors[0].code);
  await delay(3000);
  t.is(wrong.platform.attempts.length, 1, 'no retry after a refusal for credentials');
  t.is(wrong.connects.length, 0);
  t.false(wrong.client.connected);

  const anon = new Probe({ url: broker.url, clientId: uid('anon') }).connect();
  c.add(() => anon.end());
  await waitFor(() => anon.errors.length > 0, 5000, 'an error without credentials');
  t.regex(anon.errors[0].code, /^CONNACK_REFUSED_(BAD_CREDENTIALS|NOT_AUTHORIZED)$/);

  // user:password in the URL are percent-decoded.
  const right = new Probe({ url: 'mqtt://dev:p%40ss%3Aw%2Frd@127.0.0.1:' + broker.port, clientId: uid('auth-ok') }).connect();
  c.add(() => right.end());
  await right.connected();
  const base = uid('auth');
  await right.subscribed(base + '/#', base + '/echo');
  t.deepEqual(right.errors, []);
});

test('mosquitto TLS: mqtts:// with the right CA works; with another CA it fails with a certificate error', async (t) => {
  t.timeout(20000);
  const c = new Cleanup();
  t.teardown(() => c.run());
  const broker = await startMosquitto({ tls: true });
  c.add(() => broker.close());
  const url = 'mqtts://127.0.0.1:' + broker.tlsPort;

  const good = new Probe({ url, clientId: uid('tls') }, { ca: broker.ca }).connect();
  c.add(() => good.end());
  await good.connected();
  t.true(good.platform.attempts[0].secure);
  const base = uid('tls');
  await good.subscribed(base + '/#', base + '/echo');
  t.deepEqual(good.errors, []);

  const bad = new Probe({ url, clientId: uid('tls-bad') }, { ca: broker.otherCa }).connect();
  c.add(() => bad.end());
  await waitFor(() => bad.errors.length > 0, 5000, 'a TLS error');
  t.is(bad.errors[0].code, 'CONNECTION_LOST');
  t.regex(bad.errors[0].message, /certificate/i);
  t.is(bad.connects.length, 0);
});

for (const br of BROKERS) {
  test(br.name + ': with the first server down the client fails over to the second', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await br.start();
    c.add(() => broker.close());
    const dead = await freePort();
    const p = new Probe({ servers: ['mqtt://127.0.0.1:' + dead, broker.url], clientId: uid('fo') }).connect();
    c.add(() => p.end());
    await p.connected();
    t.deepEqual(p.platform.attempts.slice(0, 2).map((a) => a.port), [dead, broker.port]);
    const base = uid('fo');
    await p.subscribed(base + '/#', base + '/echo');
  });
}
