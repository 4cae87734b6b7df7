// The client through the Node platform against an in-process aedes: the smoke test that the
// adapter and the client fit together. The broader broker suite lives in the integration tests.
import test from 'ava';
import tls from 'node:tls';
import net from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { MqttClient } from '../src/client.js';
import type { ClientOptions } from '../src/client.js';
import type { MqttError } from '../src/errors.js';
import { NodePlatform } from '../host-sim/node-platform.js';
import { startAedes, freePort } from './helpers/brokers.js';
import { makeCerts } from './helpers/tls.js';

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout;
  const limit = new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error('timed out: ' + what)), ms); });
  return Promise.race([p, limit]).finally(() => clearTimeout(t));
}

function makeClient(o: Partial<ClientOptions>, platform?: NodePlatform): MqttClient {
  const c = new MqttClient({ platform: platform || new NodePlatform(), reconnect: { min: 50, max: 200, jitter: 0 }, ...o });
  return c;
}

function connected(c: MqttClient): Promise<boolean> {
  return new Promise((resolve) => { c.onConnect = resolve; });
}

function firstError(c: MqttClient): Promise<MqttError> {
  return new Promise((resolve) => { c.onError = resolve; });
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => { c.onClose = () => resolve(); });
}

test('node platform: QoS 0 and QoS 1 round trips through aedes, onPublished, end()', async (t) => {
  const b = await startAedes();
  const c = makeClient({ url: b.url, clientId: 'np-roundtrip' });
  try {
    const subscribed = new Promise<void>((resolve) => {
      b.broker.on('subscribe', (subs: { topic: string }[], client: { id: string }) => {
        if (client && client.id === 'np-roundtrip' && subs.some((s) => s.topic === 'np/#')) resolve();
      });
    });
    const got: { topic: string; payload: string; qos: number }[] = [];
    let arrived: () => void = () => {};
    const two = new Promise<void>((resolve) => { arrived = resolve; });
    // subscribed while offline: sent by the client right after CONNACK
    t.is(c.subscribe('np/#', 1, (topic, payload, info) => {
      got.push({ topic, payload: Buffer.from(payload).toString(), qos: info.qos });
      if (got.length === 2) arrived();
    }), 'queued');
    const up = connected(c);
    c.connect();
    t.is(await within(5000, 'CONNACK', up), false, 'no session present with clean=true');
    t.true(c.connected);
    await within(5000, 'SUBSCRIBE reaching aedes', subscribed);

    const acked = new Promise<number>((resolve) => { c.onPublished = resolve; });
    t.is(c.publish('np/zero', 'hello 0', 0), 'sent');
    t.is(c.publish('np/one', new Uint8Array([0x68, 0x69, 0x20, 0x31]), 1), 'sent');
    const id = c.lastPacketId;
    t.true(id >= 1 && id <= 65535);
    t.is(await within(5000, 'PUBACK', acked), id, 'onPublished reports the id publish() gave');
    await within(5000, 'both messages back', two);
    got.sort((x, y) => (x.topic < y.topic ? -1 : 1));
    t.deepEqual(got, [
      { topic: 'np/one', payload: 'hi 1', qos: 1 },
      { topic: 'np/zero', payload: 'hello 0', qos: 0 },
    ]);
    t.is(c.stats.acked, 1);

    const gone = new Promise<void>((resolve) => {
      b.broker.on('clientDisconnect', (client: { id: string }) => { if (client.id === 'np-roundtrip') resolve(); });
    });
    const down = closed(c);
    c.end();
    t.false(c.connected);
    await within(5000, 'onClose after end()', down);
    await within(5000, 'aedes sees the client leave', gone);
    t.is(c.publish('np/zero', 'late', 0), 'NOT_CONNECTED');
  } finally {
    c.end();
    await b.close();
  }
});

test('node platform: a refused port reports CONNECTION_LOST naming the cause, then fails over to the next server', async (t) => {
  const b = await startAedes();
  const dead = await freePort();
  const c = makeClient({ servers: ['mqtt://127.0.0.1:' + dead, b.url], clientId: 'np-failover' });
  try {
    const err = firstError(c);
    const up = connected(c);
    c.connect();
    const e = await within(5000, 'error from the dead port', err);
    t.is(e.code, 'CONNECTION_LOST');
    t.regex(e.message, /ECONNREFUSED/);
    t.regex(e.message, new RegExp('127\\.0\\.0\\.1:' + dead));
    await within(5000, 'connected to the second server', up);
    t.is(c.server.port, b.port);
  } finally {
    c.end();
    await b.close();
  }
});

test('node platform: mqtts with the right CA works; with the wrong CA the error says why', async (t) => {
  const certs = makeCerts();
  const { Aedes } = (await import('aedes')) as any;
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    broker.handle(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const good = makeClient({ url: 'mqtts://127.0.0.1:' + port, clientId: 'np-tls-good' }, new NodePlatform({ ca: certs.ca }));
  const bad = makeClient({ url: 'mqtts://127.0.0.1:' + port, clientId: 'np-tls-bad' }, new NodePlatform({ ca: certs.otherCa }));
  try {
    const up = connected(good);
    good.connect();
    await within(10000, 'TLS CONNACK', up);
    t.true(good.connected);

    const err = firstError(bad);
    let badUp = false;
    bad.onConnect = () => { badUp = true; };
    bad.connect();
    const e = await within(10000, 'TLS failure', err);
    t.is(e.code, 'CONNECTION_LOST');
    t.regex(e.message, /TLS/);
    t.regex(e.message, /certificate/i);
    t.false(badUp);
  } finally {
    good.end();
    bad.end();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
