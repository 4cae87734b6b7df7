// The password must not be readable from anything a user could print: the client object
// (enumerated, JSON.stringify, util.inspect, String), `server`, error messages and onError texts,
// for both clients, whether it came in the URL or as an option. (It is in the CONNECT packet's
// bytes, which the client must keep to reconnect: as bytes in a buffer, not as text.)
import test from 'ava';
import util from 'node:util';
import { MqttClient } from '../src/client.js';
import { LiteClient } from '../src/lite/client.js';
import { createNodePlatform } from '../host-sim/node-platform.js';
import { createNodeLitePlatform } from '../host-sim/node-lite-platform.js';
import { startMosquitto } from './helpers/brokers.js';

const SECRET = 'pw-0f3e9a7c';

/** Every string reachable from `root` through enumerable properties (not into typed arrays). */
function strings(root: unknown): string[] {
  const out: string[] = [], seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') { out.push(v); return; }
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 8 || ArrayBuffer.isView(v)) return;
    seen.add(v);
    for (const k of Object.keys(v as object)) walk((v as Record<string, unknown>)[k], depth + 1);
  };
  walk(root, 0);
  return out;
}

function printed(c: object): string[] {
  return [JSON.stringify(c), util.inspect(c, { depth: 8, showHidden: true }), String(c)].concat(strings(c));
}

test('secrets: the password given in the URL or as an option shows in nothing printable of either client', (t) => {
  const clients: object[] = [
    new MqttClient({ url: 'mqtt://user:' + SECRET + '@127.0.0.1:1', platform: createNodePlatform() }),
    new MqttClient({ url: 'mqtt://127.0.0.1:1', username: 'user', password: SECRET, platform: createNodePlatform() }),
    new MqttClient({ servers: ['mqtt://a:' + SECRET + '@127.0.0.1:1', 'mqtt://127.0.0.1:2'], platform: createNodePlatform() }),
    new LiteClient({ url: 'mqtt://user:' + SECRET + '@127.0.0.1:1', platform: createNodeLitePlatform() }),
    new LiteClient({ url: 'mqtt://127.0.0.1:1', username: 'user', password: SECRET, platform: createNodeLitePlatform() }),
  ];
  for (const c of clients) {
    for (const text of printed(c)) t.false(text.indexOf(SECRET) >= 0, 'found in: ' + text.slice(0, 200));
  }
  const c = clients[0] as MqttClient;
  t.deepEqual(c.server, { host: '127.0.0.1', port: 1, secure: false });
  t.deepEqual(JSON.parse(JSON.stringify(c)).server, { host: '127.0.0.1', port: 1, secure: false });
});

test('secrets: a refused password is reported without the password, by both clients', async (t) => {
  const broker = await startMosquitto({ passwords: { user: 'right-password' } });
  try {
    const url = 'mqtt://user:' + SECRET + '@127.0.0.1:' + broker.port;
    const texts: string[] = [];
    await new Promise<void>((resolve) => {
      const c = new MqttClient({ url: url, platform: createNodePlatform() });
      c.onError = (e) => { texts.push(String(e), e.message, JSON.stringify(e)); c.end(); resolve(); };
      c.connect();
    });
    await new Promise<void>((resolve) => {
      const c = new LiteClient({ url: url, platform: createNodeLitePlatform() });
      c.onError = (e) => { texts.push(String(e), e.message, JSON.stringify(e)); c.end(); resolve(); };
      c.connect();
    });
    t.true(texts.length >= 6);
    for (const text of texts) t.false(text.indexOf(SECRET) >= 0, text);
    t.true(texts.some((x) => x.indexOf('CONNACK_REFUSED') >= 0), texts.join(' | '));
  } finally {
    await broker.close();
  }
});
