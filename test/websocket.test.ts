// MQTT over WebSocket on Node: our MqttClient over src/platform/websocket.ts (with the ws
// package's WebSocket, as host-sim uses it) against aedes served on an HTTP server.
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MqttClient } from '../src/client.js';
import type { MqttError } from '../src/errors.js';
import { createWebSocketPlatform, type WebSocketClass } from '../src/platform/websocket.js';
import { createNodePlatform } from '../host-sim/node-platform.js';
import { serveMqttOverWebSocket } from '../host-sim/ws-server.js';
import { startAedes, freePort } from './helpers/brokers.js';
import { Cleanup, waitFor } from './helpers/wait.js';

const WS = WebSocket as unknown as WebSocketClass;

async function aedesOverWebSocket(c: Cleanup) {
  const broker = await startAedes();
  c.add(() => broker.close());
  const requests: { url: string; protocol: string }[] = [];
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  serveMqttOverWebSocket(server, (stream, req) => {
    requests.push({ url: req.url ?? '', protocol: String(req.headers['sec-websocket-protocol']) });
    broker.broker.handle(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  c.add(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { broker, port: (server.address() as net.AddressInfo).port, requests };
}

test('websocket: publish and subscribe over ws:// with the path as written; a TCP client and a WebSocket client see each other', async (t) => {
  const c = new Cleanup();
  t.teardown(() => c.run());
  const { broker, port, requests } = await aedesOverWebSocket(c);
  const ws = new MqttClient({ url: `ws://127.0.0.1:${port}/custom/path?x=1`, clientId: 'ws-1', receiveBufferSize: 64 * 1024,
    platform: createWebSocketPlatform({ WebSocket: WS }) });
  c.add(() => ws.end());
  const tcp = new MqttClient({ url: broker.url, clientId: 'tcp-1', transmitBufferSize: 64 * 1024, outboxSize: 128 * 1024, platform: createNodePlatform() });
  c.add(() => tcp.end());
  const got: string[] = [];
  const errors: MqttError[] = [];
  ws.onError = (e) => errors.push(e);
  ws.subscribe('ws-test/#', 1, (topic, payload) => got.push(topic + ' ' + Buffer.from(payload).toString('utf8').slice(0, 20) + ' ' + payload.length));
  let up = 0;
  ws.onConnect = () => up++;
  tcp.onConnect = () => up++;
  ws.connect();
  tcp.connect();
  await waitFor(() => up === 2, 5000, 'both connected');
  t.deepEqual(requests, [{ url: '/custom/path?x=1', protocol: 'mqtt' }]);
  // the subscription is in place once our own message comes back
  ws.publish('ws-test/self', 'hello', 1);
  await waitFor(() => got.length === 1, 5000, 'own message back');
  const big = 'x'.repeat(40000); // spans many TCP segments and WebSocket frames on the way
  t.is(tcp.publish('ws-test/big', big, 1), 'sent');
  t.is(tcp.publish('ws-test/small', 'é', 0), 'sent');
  await waitFor(() => got.length === 3, 5000, 'messages from the TCP client');
  // (aedes may pass the QoS 0 message before the QoS 1 one)
  t.deepEqual(got.slice().sort(), ['ws-test/big ' + 'x'.repeat(20) + ' 40000', 'ws-test/self hello 5', 'ws-test/small é 2']);
  t.deepEqual(errors, []);
  t.is(ws.server.path, '/custom/path?x=1');
});

test('websocket: a refused connection is reported at once, with the reason', async (t) => {
  const port = await freePort(); // nothing listens there
  const client = new MqttClient({ url: `ws://127.0.0.1:${port}`, platform: createWebSocketPlatform({ WebSocket: WS }),
    reconnect: { min: 60000, max: 60000 } });
  t.teardown(() => client.end());
  const errors: MqttError[] = [];
  client.onError = (e) => errors.push(e);
  const t0 = Date.now();
  client.connect();
  await waitFor(() => errors.length > 0, 3000, 'the error');
  t.true(Date.now() - t0 < 1000, `reported after ${Date.now() - t0} ms`);
  t.is(errors[0].code, 'CONNECTION_LOST');
  t.regex(errors[0].message, new RegExp(`ws://127\\.0\\.0\\.1:${port}/mqtt.*ECONNREFUSED`));
});

test('websocket: a server that answers with text is dropped with a clear error, then retried', async (t) => {
  const c = new Cleanup();
  t.teardown(() => c.run());
  // a plain WebSocket server (not MQTT) that greets in text
  const textServer = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'mqtt' });
  c.add(() => new Promise<void>((r) => { for (const s of textServer.clients) s.terminate(); textServer.close(() => r()); }));
  let connections = 0;
  textServer.on('connection', (s) => { connections++; s.send('hello, I am text'); });
  await new Promise<void>((r) => textServer.once('listening', () => r()));
  const port = (textServer.address() as net.AddressInfo).port;
  const client = new MqttClient({ url: `ws://127.0.0.1:${port}/`, platform: createWebSocketPlatform({ WebSocket: WS }),
    reconnect: { min: 50, max: 50, jitter: 0 } });
  c.add(() => client.end());
  const errors: MqttError[] = [];
  client.onError = (e) => errors.push(e);
  client.connect();
  await waitFor(() => connections >= 2, 5000, 'a retry after the drop');
  t.regex(errors[0].message, /text message \(MQTT needs binary ones\)/);
  t.false(client.connected);
});

test('websocket: without a global WebSocket the platform says what to pass', (t) => {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'undefined') {
    t.pass('this Node.js has a global WebSocket');
    return;
  }
  const e = t.throws(() => createWebSocketPlatform());
  t.regex(String(e && e.message), /no WebSocket class.*ws package/);
});
