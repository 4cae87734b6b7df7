// The fault proxy in front of a plain TCP echo server: what a client behind it would notice.
import test from 'ava';
import * as net from 'node:net';
import { FaultProxy } from '../host-sim/fault-proxy.js';
import { delay } from './helpers/wait.js';

interface Echo {
  port: number;
  pieces: number[]; // sizes of the reads the server saw, in order
  close(): Promise<void>;
}

async function startEcho(): Promise<Echo> {
  const pieces: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => {
      pieces.push(d.length);
      s.write(d);
    });
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    pieces,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

function collect(s: net.Socket): { bytes: () => Buffer; closedAt: () => number } {
  const got: Buffer[] = [];
  let closedAt = -1;
  s.on('data', (d) => got.push(d));
  s.on('error', () => undefined);
  s.on('close', () => (closedAt = Date.now()));
  return { bytes: () => Buffer.concat(got), closedAt: () => closedAt };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await delay(10);
  return cond();
}

test('chunk=1 with latency: bytes arrive intact, in order, one at a time, and late', async (t) => {
  const echo = await startEcho();
  const proxy = new FaultProxy('127.0.0.1', echo.port, { chunk: 1, latency: 40 });
  const port = await proxy.listen();
  const s = await connect(port);
  const c = collect(s);
  const sent = Buffer.alloc(150);
  for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + 3) & 0xff;
  const start = Date.now();
  // Several writes at different times: order must survive the delay queue.
  s.write(sent.subarray(0, 50));
  await delay(5);
  s.write(sent.subarray(50, 100));
  s.write(sent.subarray(100));
  t.true(await until(() => c.bytes().length >= sent.length, 5000), 'all bytes echoed');
  const elapsed = Date.now() - start;
  t.deepEqual(c.bytes(), sent);
  t.true(elapsed >= 80, `round trip took ${elapsed} ms, latency is 40 ms each way`);
  // Byte-by-byte delivery: the server must have seen many small reads, not one 150-byte read.
  t.true(echo.pieces.length >= sent.length / 2, `server saw ${echo.pieces.length} reads`);
  t.true(Math.max(...echo.pieces) < 50);
  t.is(proxy.stats.bytesUp, sent.length);
  t.is(proxy.stats.bytesDown, sent.length);
  t.is(proxy.stats.connections, 1);
  s.destroy();
  await proxy.close();
  await echo.close();
});

test('stall stops delivery but keeps the socket open; unstall delivers what waited', async (t) => {
  const echo = await startEcho();
  const proxy = new FaultProxy('127.0.0.1', echo.port);
  const port = await proxy.listen();
  const s = await connect(port);
  const c = collect(s);
  s.write('ping');
  t.true(await until(() => c.bytes().toString() === 'ping', 2000));
  proxy.stall(true);
  s.write('during stall');
  await delay(300);
  t.is(c.bytes().toString(), 'ping', 'nothing forwarded while stalled');
  t.deepEqual(echo.pieces, [4], 'the server got nothing either');
  t.is(c.closedAt(), -1, 'socket still open');
  proxy.stall(false);
  t.true(await until(() => c.bytes().toString() === 'pingduring stall', 2000));
  // Stalling through the faults object (as a test might toggle it) works too.
  proxy.faults.stall = true;
  s.write('!');
  await delay(200);
  t.is(c.bytes().toString(), 'pingduring stall');
  proxy.faults.stall = false;
  t.true(await until(() => c.bytes().toString() === 'pingduring stall!', 2000));
  s.destroy();
  await proxy.close();
  await echo.close();
});

test('cutAll closes every proxied connection and counts the cuts', async (t) => {
  const echo = await startEcho();
  const proxy = new FaultProxy('127.0.0.1', echo.port);
  const port = await proxy.listen();
  const a = collect(await connect(port));
  const b = collect(await connect(port));
  await delay(50);
  proxy.cutAll();
  t.true(await until(() => a.closedAt() > 0 && b.closedAt() > 0, 2000), 'both clients see the close');
  t.is(proxy.stats.cuts, 2);
  t.is(proxy.stats.connections, 2);
  // The proxy keeps accepting: a client can reconnect after a cut.
  const s = await connect(port);
  const c = collect(s);
  s.write('again');
  t.true(await until(() => c.bytes().toString() === 'again', 2000));
  s.destroy();
  await proxy.close();
  await echo.close();
});

test('dropEvery cuts each link within [0.5, 1.5] × the period', async (t) => {
  const echo = await startEcho();
  const period = 200;
  const proxy = new FaultProxy('127.0.0.1', echo.port, { dropEvery: period, seed: 42 });
  const port = await proxy.listen();
  const links: { opened: number; c: ReturnType<typeof collect> }[] = [];
  for (let i = 0; i < 6; i++) {
    const s = await connect(port);
    links.push({ opened: Date.now(), c: collect(s) });
  }
  t.true(await until(() => links.every((l) => l.c.closedAt() > 0), 3000), 'every link was cut');
  const lifetimes = links.map((l) => l.c.closedAt() - l.opened);
  for (const life of lifetimes) {
    t.true(life >= period * 0.5 - 20 && life <= period * 1.5 + 60, `lifetime ${life} ms`);
  }
  t.true(Math.max(...lifetimes) - Math.min(...lifetimes) > 10, 'cut times are spread, not all equal');
  t.is(proxy.stats.cuts, 6);
  await proxy.close();
  await echo.close();
});
