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
import { delay, waitFor } from './helpers/wait.js';

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

// ---- write coalescing: the platform merges the writes of one event-loop turn into one
// socket.write; these check that nothing is lost, reordered or cut off by it.

interface Seen { topic: string; payload: Buffer; qos: number }

/** Everything aedes receives from one client, in arrival order. */
function recordPublishes(broker: any, clientId: string): Seen[] {
  const seen: Seen[] = [];
  broker.on('publish', (packet: { topic: string; payload: Buffer; qos: number }, client: { id: string } | null) => {
    if (client && client.id === clientId) seen.push({ topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos });
  });
  return seen;
}

test('node platform: 1 000 QoS 0 publishes of mixed sizes in one synchronous loop reach the broker complete and in order', async (t) => {
  const b = await startAedes();
  const c = makeClient({ url: b.url, clientId: 'np-burst', transmitBufferSize: 4096 });
  try {
    const seen = recordPublishes(b.broker, 'np-burst');
    const up = connected(c);
    c.connect();
    await within(5000, 'CONNACK', up);
    // sizes cycle so the pending buffer grows inside a turn, and the ~340 KB total crosses the
    // point where a full chunk is written before the turn ends
    const sizes = [1, 40, 300, 1000];
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const body = (i + ':').padEnd(sizes[i % sizes.length], String.fromCharCode(97 + (i % 26)));
      expected.push(body);
      // QoS 0 only: aedes reports QoS 1 publishes after its persistence step, out of wire order
      t.is(c.publish('np/burst/' + (i % 7), body, 0), 'sent', 'publish ' + i);
    }
    await waitFor(() => seen.length >= 1000, 10000, 'all 1 000 at aedes');
    t.is(seen.length, 1000);
    t.deepEqual(seen.map((s) => s.payload.toString()), expected, 'same bytes, same order');
    t.deepEqual(seen.map((s) => s.topic), expected.map((_, i) => 'np/burst/' + (i % 7)));
  } finally {
    c.end();
    await b.close();
  }
});

test('node platform: publish then end() in the same turn delivers the message and the DISCONNECT before the FIN (no will)', async (t) => {
  const b = await startAedes();
  const id = 'np-last-words';
  const c = makeClient({ url: b.url, clientId: id, will: { topic: 'np/will', payload: 'gone', qos: 0, retain: false } });
  try {
    const seen = recordPublishes(b.broker, id);
    const wills: string[] = [];
    b.broker.on('publish', (packet: { topic: string; payload: Buffer }) => {
      if (packet.topic === 'np/will') wills.push(String(packet.payload));
    });
    const gone = new Promise<void>((resolve) => {
      b.broker.on('clientDisconnect', (client: { id: string }) => { if (client.id === id) resolve(); });
    });
    const up = connected(c);
    c.connect();
    await within(5000, 'CONNACK', up);
    t.is(c.publish('np/last', 'bye', 0), 'sent');
    c.end();
    // aedes emits clientDisconnect only for a DISCONNECT packet; a bare FIN would publish the will
    await within(5000, 'aedes sees the DISCONNECT', gone);
    await delay(200);
    t.deepEqual(seen.map((s) => s.topic + ' ' + s.payload.toString()), ['np/last bye']);
    t.deepEqual(wills, [], 'no will: the DISCONNECT went out before the FIN');
  } finally {
    c.end();
    await b.close();
  }
});

test('node platform: a broker that stops reading gets its link cut once the unsent backlog passes maxWriteBacklog', async (t) => {
  // a fake broker: answers CONNECT with CONNACK, then never reads again
  const sockets: net.Socket[] = [];
  let connects = 0;
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', () => {
      connects++;
      s.write(Buffer.from([0x20, 2, 0, 0]));
      s.pause();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const backlog = 256 * 1024;
  const c = makeClient({ url: 'mqtt://127.0.0.1:' + port, clientId: 'np-stalled', transmitBufferSize: 2048 },
    new NodePlatform({ maxWriteBacklog: backlog }));
  try {
    const err = firstError(c);
    const up = connected(c);
    c.connect();
    await within(5000, 'CONNACK', up);
    const payload = new Uint8Array(1000);
    let cut: MqttError | null = null;
    void err.then((e) => { cut = e; });
    let published = 0;
    const deadline = Date.now() + 10000;
    // keep publishing a turn at a time until the kernel buffers fill and the backlog bound hits
    while (cut === null && Date.now() < deadline && published < 200000) {
      for (let i = 0; i < 500 && c.connected; i++) { if (c.publish('np/flood', payload, 0) === 'sent') published++; }
      await new Promise((r) => setImmediate(r));
    }
    const e = await within(5000, 'the link is cut', err);
    t.is(e.code, 'CONNECTION_LOST');
    t.regex(e.message, /not reading/);
    t.regex(e.message, new RegExp('more than the ' + backlog));
    // the client treats it like any lost link: it reconnects
    await waitFor(() => connects >= 2, 5000, 'a second CONNECT (reconnect)');
    t.true(published > 0);
  } finally {
    c.end();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
