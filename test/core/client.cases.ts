// The public client over a scripted platform: what an application sees (return values,
// callbacks, their timing) and what goes on the wire. XS-safe: no Node API.
import { test } from './harness.js';
import type { Assert } from './harness.js';
import { MqttClient } from '../../src/client.js';
import type { ClientOptions, MessageInfo } from '../../src/client.js';
import type { MqttError } from '../../src/errors.js';
import { parseBrokerUrl } from '../../src/url.js';
import { topicMatches } from '../../src/topic.js';
import {
  ScriptedPlatform, ScriptedLink, connack, puback, suback, unsuback, publish, parseConnect, parsePublish, parseSubscribe,
  textOf, bytesOf,
} from '../helpers/scripted-platform.js';

interface Rig { p: ScriptedPlatform; c: MqttClient; log: string[]; errors: MqttError[] }

function rig(extra?: Partial<ClientOptions>, deviceId?: string): Rig {
  const p = new ScriptedPlatform(deviceId);
  const o: ClientOptions = { url: 'mqtt://broker.test', clientId: 'dev1', reconnect: { min: 100, max: 100, jitter: 0 }, platform: p };
  if (extra) {
    const e = extra as Record<string, unknown>, t = o as unknown as Record<string, unknown>;
    for (const k in e) t[k] = e[k];
  }
  const c = new MqttClient(o);
  const log: string[] = [], errors: MqttError[] = [];
  c.onConnect = function (sp) { log.push('connect ' + sp); };
  c.onMessage = function (topic, payload) { log.push('message ' + topic + ' ' + textOf(payload)); };
  c.onPublished = function (id) { log.push('published ' + id); };
  c.onError = function (e) { errors.push(e); log.push('error ' + e.code); };
  c.onClose = function () { log.push('close'); };
  return { p: p, c: c, log: log, errors: errors };
}

/** connect() through CONNACK; returns the link with the written bytes taken. */
function online(r: Rig, sessionPresent?: boolean): ScriptedLink {
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.feed(connack(sessionPresent));
  r.p.advance(0);
  l.take();
  return l;
}

function onlyPacket(t: Assert, l: ScriptedLink): Uint8Array {
  const ps = l.packets();
  t.is(ps.length, 1, 'one packet written');
  return ps[0];
}

test('client: connect opens the URI host/port and sends CONNECT with its percent-decoded credentials', (t) => {
  const r = rig({ url: 'mqtt://us%40er:p%3Aw%2F%25@broker.test:1884', keepalive: 30 });
  r.c.connect();
  const l = r.p.last();
  t.is(l.host, 'broker.test'); t.is(l.port, 1884); t.is(l.secure, false);
  t.deepEqual(l.types(), [], 'nothing is written before the link is open');
  l.open();
  const ci = parseConnect(onlyPacket(t, l));
  t.is(ci.protocol, 'MQTT'); t.is(ci.level, 4);
  t.is(ci.clientId, 'dev1'); t.is(ci.username, 'us@er'); t.is(ci.password, 'p:w/%');
  t.is(ci.keepalive, 30); t.is(ci.clean, true);
  t.false(r.c.connected);
  l.feed(connack(false));
  t.true(r.c.connected);
  t.deepEqual(r.log, ['connect false']);
});

test('client: username/password options override the URI; will and clean=false reach CONNECT', (t) => {
  const r = rig({ url: 'mqtts://a:b@h', username: 'opt', password: 'secret', clean: false,
    will: { topic: 'st', payload: 'gone', qos: 1, retain: true } });
  r.c.connect();
  const l = r.p.last();
  t.is(l.port, 8883); t.is(l.secure, true);
  l.open();
  const ci = parseConnect(onlyPacket(t, l));
  t.is(ci.username, 'opt'); t.is(ci.password, 'secret'); t.is(ci.clean, false);
  t.deepEqual(ci.will, { topic: 'st', payload: 'gone', qos: 1, retain: true });
});

test('client: default client id comes from the device id, else random hex', (t) => {
  const p = new ScriptedPlatform('a1b2c3');
  t.is(new MqttClient({ url: 'mqtt://h', platform: p }).clientId, 'mcu-a1b2c3');
  const q = new ScriptedPlatform();
  const id1 = new MqttClient({ url: 'mqtt://h', platform: q }).clientId;
  const id2 = new MqttClient({ url: 'mqtt://h', platform: q }).clientId;
  t.true(/^mcu-[0-9a-f]{8}$/.test(id1), id1);
  t.not(id1, id2, 'two random ids differ');
});

test('client: publish returns sent / queued / TOPIC_INVALID / NOT_CONNECTED and never throws', (t) => {
  const r = rig();
  t.is(r.c.publish('a/b', 'x', 0), 'NOT_CONNECTED', 'QoS 0 offline');
  t.is(r.c.publish('a/b', 'offline', 1), 'queued', 'QoS 1 offline');
  const queuedId = r.c.lastPacketId;
  t.true(queuedId > 0);
  t.is(r.c.publish('a/+', 'x', 1), 'TOPIC_INVALID');
  t.is(r.c.publish('', 'x', 0), 'TOPIC_INVALID');
  t.is(r.c.publish('a', 'x', 2 as 0), 'INVALID_ARGUMENT');
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.take();
  l.feed(connack(false));
  const first = parsePublish(onlyPacket(t, l));
  t.deepEqual([first.topic, first.payload, first.qos, first.id], ['a/b', 'offline', 1, queuedId], 'the queued message goes out on connect');
  t.is(r.c.publish('t/0', 'zero', 0, true), 'sent');
  const p0 = parsePublish(onlyPacket(t, l));
  t.deepEqual([p0.topic, p0.payload, p0.qos, p0.retain], ['t/0', 'zero', 0, true]);
  t.is(r.c.publish('t/1', new Uint8Array([104, 105]), 1), 'sent');
  const p1 = parsePublish(onlyPacket(t, l));
  t.is(p1.id, r.c.lastPacketId); t.is(p1.payload, 'hi'); t.is(p1.qos, 1);
  t.not(p1.id, queuedId);
  l.feed(puback(p1.id));
  t.deepEqual(r.log, ['connect false', 'published ' + p1.id], 'PUBACK of the in-flight id reports that id');
});

test('client: per-filter handlers by wildcard, the $-topic rule, and the onMessage catch-all', (t) => {
  const r = rig();
  const l = online(r);
  const got: string[] = [];
  let lastInfo: MessageInfo | null = null;
  t.is(r.c.subscribe('sensors/+/temp', 0, function (topic, payload, info) { got.push('plus ' + topic + ' ' + textOf(payload)); lastInfo = info; }), 'sent');
  r.c.subscribe('sensors/#', 1, function (topic) { got.push('hash ' + topic); });
  r.c.subscribe('+/load', 0, function (topic) { got.push('plusload ' + topic); });
  r.c.subscribe('$SYS/#', 0, function (topic) { got.push('sys ' + topic); });
  r.c.subscribe('everything/#', 0); // no handler: its messages go to onMessage
  const subs = l.packets();
  t.is(subs.length, 5, 'one SUBSCRIBE per call while connected');
  const s1 = parseSubscribe(subs[1]);
  t.deepEqual([s1.filters, s1.qos], [['sensors/#'], [1]]);
  l.feed(publish('sensors/kitchen/temp', '21.5', 1, 7, true, true));
  t.deepEqual(got, ['plus sensors/kitchen/temp 21.5', 'hash sensors/kitchen/temp'], 'every matching handler, in subscription order');
  t.deepEqual(lastInfo, { qos: 1, retain: true, dup: true });
  t.deepEqual(Array.prototype.slice.call(l.take()), puback(7), 'QoS 1 acknowledged once, however many handlers');
  got.length = 0;
  l.feed(publish('sensors', 'root', 0));
  l.feed(publish('$SYS/load', '0.5', 0));
  l.feed(publish('home/load', '1', 0));
  l.feed(publish('everything/else', 'e', 0));
  t.deepEqual(got, ['hash sensors', 'sys $SYS/load', 'plusload home/load'], '"+/load" does not see $SYS/load');
  t.deepEqual(r.log, ['connect false', 'message everything/else e'], 'only unmatched messages reach onMessage');
});

test('client: QoS 1 message is acknowledged after the handler ran', (t) => {
  const r = rig();
  const l = online(r);
  let written = -1;
  r.c.onMessage = function () { written = l.take().length; };
  l.feed(publish('x', 'y', 1, 300));
  t.is(written, 0, 'no PUBACK before the application saw the message');
  t.deepEqual(Array.prototype.slice.call(l.take()), puback(300));
});

test('client: unsubscribe stops delivery to the handler', (t) => {
  const r = rig();
  const l = online(r);
  const got: string[] = [];
  r.c.subscribe('a/b', 0, function (topic) { got.push(topic); });
  const sub = parseSubscribe(onlyPacket(t, l));
  l.feed(suback(sub.id, [0]));
  l.feed(publish('a/b', '1', 0));
  t.is(r.c.unsubscribe('a/b'), 'sent');
  const un = l.packets()[0];
  t.is(un[0] >> 4, 10, 'UNSUBSCRIBE written');
  t.deepEqual(parseSubscribe(un).filters, ['a/b']);
  l.feed(unsuback(parseSubscribe(un).id));
  l.feed(publish('a/b', '2', 0));
  t.deepEqual(got, ['a/b'], 'the handler got only the message before unsubscribe');
  t.deepEqual(r.log, ['connect false', 'message a/b 2'], 'a straggler from the broker falls to onMessage');
  t.is(r.c.subscribe('bad/#/x', 0), 'TOPIC_INVALID');
  r.p.advance(0);
  t.is(r.errors.length, 1);
  t.is(r.errors[0].code, 'TOPIC_INVALID');
});

test('client: a handler that unsubscribes its own filter does not make the next handler miss the message', (t) => {
  const r = rig();
  const l = online(r);
  const got: string[] = [];
  r.c.subscribe('a/+', 0, function (topic) { got.push('once ' + topic); r.c.unsubscribe('a/+'); });
  r.c.subscribe('a/b', 0, function (topic) { got.push('always ' + topic); });
  r.c.subscribe('a/#', 0, function (topic) { got.push('tree ' + topic); });
  l.feed(publish('a/b', '1', 0));
  l.feed(publish('a/b', '2', 0));
  t.deepEqual(got, ['once a/b', 'always a/b', 'tree a/b', 'always a/b', 'tree a/b']);
  t.deepEqual(r.log, ['connect false'], 'nothing fell through to onMessage');
  // unsubscribed during dispatch, subscribed again afterwards: one entry, now the newest, handled once
  r.c.subscribe('a/+', 0, function (topic) { got.push('again ' + topic); });
  l.feed(publish('a/c', '3', 0));
  t.deepEqual(got.slice(5), ['tree a/c', 'again a/c']);
});

test('client: subscriptions made offline are sent once on connect, and replayed by the session after a clean reconnect', (t) => {
  const r = rig();
  const got: string[] = [];
  t.is(r.c.subscribe('cmd/#', 1, function (topic) { got.push(topic); }), 'queued');
  t.is(r.c.subscribe('gone', 0), 'queued');
  t.is(r.c.unsubscribe('gone'), 'queued');
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.feed(connack(false));
  const ps = l.packets();
  t.deepEqual(ps.map(function (p) { return p[0] >> 4; }), [1, 8], 'CONNECT, then one SUBSCRIBE; nothing for a filter dropped offline');
  t.deepEqual(parseSubscribe(ps[1]).filters, ['cmd/#']);
  l.feed(publish('cmd/go', '', 1, 2));
  t.deepEqual(got, ['cmd/go']);
  l.drop('reset');
  r.p.advance(100);
  const l2 = r.p.last();
  t.not(l2, l, 'a new link after the backoff');
  l2.open();
  l2.feed(connack(false));
  const again = l2.packets().filter(function (p) { return (p[0] >> 4) === 8; });
  t.is(again.length, 1, 'exactly one SUBSCRIBE after reconnect');
  t.deepEqual(parseSubscribe(again[0]).filters, ['cmd/#']);
});

test('client: many subscribes at once are all sent, and each SUBACK confirms its own filter', (t) => {
  const r = rig();
  const l = online(r);
  const results: string[] = [];
  for (let i = 0; i < 10; i++) results.push(r.c.subscribe('f/' + i, 0));
  t.deepEqual(results, ['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent']);
  const first = l.packets();
  t.is(first.length, 10);
  t.deepEqual(first.map(function (p) { return parseSubscribe(p).filters[0]; }), ['f/0', 'f/1', 'f/2', 'f/3', 'f/4', 'f/5', 'f/6', 'f/7', 'f/8', 'f/9']);
  l.feed(suback(parseSubscribe(first[3]).id, [0x80]));
  r.p.advance(0);
  t.deepEqual(r.errors.map(function (e) { return e.code + ' ' + e.message; }), ['SUBSCRIBE_FAILED the broker refused the subscription to "f/3" (SUBACK 0x80)']);
});

test('client: callbacks never run inside connect(), publish() or end()', (t) => {
  const r = rig();
  let inside = '';
  const during: string[] = [];
  r.c.onConnect = function () { r.log.push('connect'); if (inside) during.push('onConnect in ' + inside); };
  r.c.onPublished = function (id) { r.log.push('published ' + id); if (inside) during.push('onPublished in ' + inside); };
  r.c.onClose = function () { r.log.push('close'); if (inside) during.push('onClose in ' + inside); };
  // a platform whose link opens and answers synchronously, inside the calls
  const plainConnect = r.p.connect;
  r.p.connect = function (host, port, secure, sink) {
    const l = plainConnect.call(r.p, host, port, secure, sink) as ScriptedLink;
    l.onWrite = function (b) {
      if (b[0] === 0x10) l.feed(connack(false));
      if (b[0] === 0x32) l.feed(puback((b[b.length - 3] << 8) | b[b.length - 2]));
    };
    l.open();
    return l;
  };
  inside = 'connect()';
  r.c.connect();
  inside = '';
  t.deepEqual(r.log, [], 'nothing during connect()');
  r.p.advance(0);
  t.deepEqual(r.log, ['connect']);
  t.true(r.c.connected);
  inside = 'publish()';
  t.is(r.c.publish('t', '1', 1), 'sent');
  inside = '';
  const id = r.c.lastPacketId;
  t.deepEqual(r.log, ['connect'], 'PUBACK arrived inside publish() but is not reported there');
  r.p.advance(0);
  t.deepEqual(r.log, ['connect', 'published ' + id]);
  inside = 'end()';
  r.c.end();
  inside = '';
  t.deepEqual(r.log, ['connect', 'published ' + id]);
  r.p.advance(0);
  t.deepEqual(r.log, ['connect', 'published ' + id, 'close']);
  t.deepEqual(during, []);
});

test('client: a publish from inside a handler is written, and its events wait for the handler to return', (t) => {
  const r = rig();
  const l = online(r);
  r.c.subscribe('ping', 0, function () { r.c.publish('pong', 'x', 0); });
  l.take();
  l.feed(publish('ping', '', 0));
  const out = l.packets();
  t.is(out.length, 1);
  t.is(parsePublish(out[0]).topic, 'pong');
});

test('client: end() sends DISCONNECT, closes, fires onClose once and never reconnects', (t) => {
  const r = rig();
  const l = online(r);
  r.c.end();
  t.deepEqual(l.types(), [14], 'DISCONNECT');
  t.true(l.closedByClient);
  t.false(r.c.connected);
  r.p.advance(0);
  t.deepEqual(r.log, ['connect false', 'close']);
  r.p.advance(600000);
  t.is(r.p.links.length, 1, 'no new connection');
  t.is(r.p.pendingTimers, 0, 'no timer left behind');
  l.drop(); // a late close from the platform is ignored
  t.deepEqual(r.log, ['connect false', 'close']);
});

test('client: end() from inside onError or onMessage really ends: onClose once, no reconnect', (t) => {
  const r = rig();
  const l = online(r);
  r.c.onError = function (e) { r.log.push('error ' + e.code); r.c.end(); };
  l.drop('reset');
  r.p.advance(0);
  r.p.advance(600000);
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close']);
  t.is(r.p.links.length, 1, 'no reconnect after end()');

  const r2 = rig();
  const l2 = online(r2);
  r2.c.onMessage = function () { r2.c.end(); };
  l2.feed(publish('t', 'x', 1, 5));
  t.deepEqual(l2.types(), [4, 14], 'PUBACK for the message being handled, then DISCONNECT');
  t.true(l2.closedByClient);
  r2.p.advance(600000);
  t.deepEqual(r2.log, ['connect false', 'close']);
  t.is(r2.p.links.length, 1);
});

test('client: end() inside onError after a lost link: no reconnect, onClose once', (t) => {
  const r = rig({ keepalive: 10 });
  const l = online(r);
  let closes = 0;
  r.c.onClose = function () { closes++; r.log.push('close'); };
  r.c.onError = function (e) { r.log.push('error ' + e.code); r.c.end(); };
  l.drop('reset');
  t.false(r.c.connected);
  r.p.advance(600000);
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close']);
  t.is(closes, 1, 'onClose once');
  t.is(r.p.links.length, 1, 'no reconnect after end()');
  t.is(r.p.pendingTimers, 0, 'no keepalive or reconnect timer left');
  r.c.connect(); // and connect() still works afterwards
  t.is(r.p.links.length, 2);
});

test('client: a subscribe whose SUBACK was lost with the link is sent again when the broker kept the session', (t) => {
  const r = rig({ clean: false });
  const l = online(r, false);
  const got: string[] = [];
  t.is(r.c.subscribe('cmd/#', 1, function (topic) { got.push(topic); }), 'sent');
  t.deepEqual(parseSubscribe(onlyPacket(t, l)).filters, ['cmd/#']);
  l.drop('reset');
  r.p.advance(100);
  const l2 = r.p.last();
  t.not(l2, l);
  l2.open();
  l2.take();
  l2.feed(connack(true));
  const again = l2.packets();
  t.is(again.length, 1, 'the unacknowledged SUBSCRIBE goes out again');
  const sub = parseSubscribe(again[0]);
  t.deepEqual([sub.filters, sub.qos], [['cmd/#'], [1]]);
  l2.feed(suback(sub.id, [1]));
  l2.feed(publish('cmd/x', '', 0));
  t.deepEqual(got, ['cmd/x']);
});

test('client: a lost link reports CONNECTION_LOST with the transport reason, then reconnects', (t) => {
  const r = rig();
  const l = online(r);
  l.drop('TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close']);
  t.true(r.errors[0].message.indexOf('DEPTH_ZERO_SELF_SIGNED_CERT') >= 0, r.errors[0].message);
  r.p.advance(99);
  t.is(r.p.links.length, 1, 'waits for the backoff');
  r.p.advance(1);
  t.is(r.p.links.length, 2, 'reconnects after reconnect.min');
});

test('client: keepalive PINGREQ from one timer; a missing PINGRESP drops the link', (t) => {
  const r = rig({ keepalive: 10 });
  const l = online(r);
  t.true(r.p.pendingTimers <= 1, 'at most one platform timer');
  r.p.advance(10000);
  t.deepEqual(l.types(), [12], 'PINGREQ after keepalive');
  t.true(r.p.pendingTimers <= 1);
  r.p.advance(5000);
  t.true(l.closedByClient, 'closed after 1.5 × keepalive of silence');
  t.is(r.errors[r.errors.length - 1].code, 'PING_TIMEOUT');
});

test('client: fails over to the second server after the first fails, and stays there', (t) => {
  const r = rig({ url: undefined, servers: ['mqtt://one.test', 'tcp://two.test:1999'] });
  r.c.connect();
  const l1 = r.p.last();
  t.deepEqual([l1.host, l1.port], ['one.test', 1883]);
  l1.drop('connect ECONNREFUSED');
  t.is(r.errors[0].code, 'CONNECTION_LOST');
  t.true(r.errors[0].message.indexOf('ECONNREFUSED') >= 0, r.errors[0].message);
  r.p.advance(100);
  const l2 = r.p.last();
  t.deepEqual([l2.host, l2.port], ['two.test', 1999]);
  l2.open();
  l2.feed(connack(false));
  t.true(r.c.connected);
  l2.drop('reset');
  r.p.advance(100);
  t.is(r.p.last().host, 'two.test', 'a server that worked is retried first');
  r.p.last().drop('refused');
  r.p.advance(100);
  t.is(r.p.last().host, 'one.test', 'then the list wraps around');
});

test('client: a handler that throws does not break the session; the exception surfaces afterwards', (t) => {
  const r = rig();
  const l = online(r);
  r.c.onMessage = function () { throw new Error('app bug'); };
  let thrown = '';
  try { l.feed(publish('t', 'x', 1, 9)); } catch (e) { thrown = String((e as Error).message); }
  t.is(thrown, 'app bug');
  t.deepEqual(Array.prototype.slice.call(l.take()), puback(9), 'the PUBACK was still written');
  t.is(r.c.publish('t', 'y', 0), 'sent');
});

test('client: broker URI parsing', (t) => {
  t.deepEqual(parseBrokerUrl('mqtt://h'), { host: 'h', port: 1883, secure: false });
  t.deepEqual(parseBrokerUrl('tcp://h:1'), { host: 'h', port: 1, secure: false });
  t.deepEqual(parseBrokerUrl('MQTTS://h/'), { host: 'h', port: 8883, secure: true });
  t.deepEqual(parseBrokerUrl('ssl://h:65535'), { host: 'h', port: 65535, secure: true });
  t.deepEqual(parseBrokerUrl('mqtt://[::1]:1884'), { host: '::1', port: 1884, secure: false });
  t.deepEqual(parseBrokerUrl('mqtts://[fe80::1]'), { host: 'fe80::1', port: 8883, secure: true });
  t.deepEqual(parseBrokerUrl('mqtt://u@h'), { host: 'h', port: 1883, secure: false, username: 'u' });
  t.deepEqual(parseBrokerUrl('mqtt://u:@h'), { host: 'h', port: 1883, secure: false, username: 'u', password: '' });
  t.deepEqual(parseBrokerUrl('mqtt://a%20b:p%40ss%3A%C3%A9+@10.0.0.2:1'),
    { host: '10.0.0.2', port: 1, secure: false, username: 'a b', password: 'p@ss:é+' });
  t.deepEqual(parseBrokerUrl('mqtt://u:p@ss@h'), { host: 'h', port: 1883, secure: false, username: 'u', password: 'p@ss' }, 'the last @ ends the user part');
  // MQTT over WebSocket: default ports 80/443, the path as written, '/mqtt' when there is none
  t.deepEqual(parseBrokerUrl('ws://h'), { host: 'h', port: 80, secure: false, path: '/mqtt' });
  t.deepEqual(parseBrokerUrl('WSS://u:p@h:8884/'), { host: 'h', port: 8884, secure: true, path: '/', username: 'u', password: 'p' });
  t.deepEqual(parseBrokerUrl('wss://[::1]/a/b?token=x'), { host: '::1', port: 443, secure: true, path: '/a/b?token=x' });
  t.deepEqual(parseBrokerUrl('ws://h:9001?x=1'), { host: 'h', port: 9001, secure: false, path: '/?x=1' });
  const bad = ['h:1883', 'http://h', 'ws://h/mqtt#top', 'ws://:80/mqtt', 'wss://h:0/mqtt', 'mqtt://', 'mqtt://:1883', 'mqtt://h:', 'mqtt://h:0', 'mqtt://h:65536',
    'mqtt://h:12a', 'mqtt://h/path', 'mqtt://h?clientId=x', 'mqtt://[::1', 'mqtt://[::1]x', 'mqtt://%zz@h', 'mqtt://u:%E0%A4@h',
    'mqtt://h h', 'mqtt://[]'];
  for (let i = 0; i < bad.length; i++) {
    t.throwsCode(function () { parseBrokerUrl(bad[i]); }, 'INVALID_ARGUMENT', bad[i]);
  }
});

test('client: invalid options throw INVALID_ARGUMENT from the constructor', (t) => {
  const p = new ScriptedPlatform();
  const bad: Record<string, unknown>[] = [
    {}, { url: 'mqtt://h:99999' }, { url: 'mqtt://h', keepalive: -1 }, { url: 'mqtt://h', keepalive: 1.5 },
    { url: 'mqtt://h', reconnect: { jitter: 2 } }, { url: 'mqtt://h', reconnect: { min: 500, max: 100 } },
    { url: 'mqtt://h', maxInflight: 0 }, { url: 'mqtt://h', clientId: '', clean: false },
    { url: 'mqtt://h', will: { topic: 'a/#', payload: '', qos: 0, retain: false } }, { servers: 'mqtt://h' },
    { host: 'h', port: 0 }, { port: 1883 }, { url: 'mqtt://h', password: 'p' }, { url: 'mqtt://h', transmitBufferSize: 15 },
    { url: 'mqtt://h', keepalive: '60' }, { url: 'mqtt://h', keepalive: null }, { url: 'mqtt://h', keepalive: 65536 },
    { url: 'mqtt://h', will: { topic: 'a', payload: '', qos: 2, retain: false } }, { url: 'mqtt://h', will: { topic: '', payload: '' } },
    { url: 'mqtt://h', will: 'a' }, { url: 'mqtt://h', maxInflight: 65536 }, { url: 'mqtt://h', maxInflight: 1.5 }, { url: 'mqtt://h', maxInflight: '4' },
    { url: 'mqtt://h', reconnect: { jitter: -0.1 } }, { url: 'mqtt://h', reconnect: { jitter: '0.5' } },
    { url: 'mqtt://h', username: 'u', password: 5 }, { url: 'mqtt://u@h', password: 'p', username: 7 },
  ];
  for (let i = 0; i < bad.length; i++) {
    const o = bad[i];
    o.platform = p;
    t.throwsCode(function () { new MqttClient(o as unknown as ClientOptions); }, 'INVALID_ARGUMENT', JSON.stringify(o));
  }
  t.throwsCode(function () { new MqttClient({ url: 'mqtt://h' } as ClientOptions); }, 'INVALID_ARGUMENT', 'no platform');
  // a ws:// URL needs a platform that speaks WebSocket, and such a platform takes nothing else
  t.throwsCode(function () { new MqttClient({ url: 'ws://h/mqtt', platform: p }); }, 'INVALID_ARGUMENT', 'ws:// on a TCP platform');
  t.throwsCode(function () { new MqttClient({ url: 'mqtt://h', servers: ['wss://h2'], platform: p }); }, 'INVALID_ARGUMENT', 'wss:// among servers on a TCP platform');
  const wsp = new ScriptedPlatform() as ScriptedPlatform & { webSocket: boolean };
  wsp.webSocket = true;
  t.throwsCode(function () { new MqttClient({ url: 'mqtt://h', platform: wsp }); }, 'INVALID_ARGUMENT', 'mqtt:// on a WebSocket platform');
  t.throwsCode(function () { new MqttClient({ host: 'h', platform: wsp }); }, 'INVALID_ARGUMENT', 'host without a ws:// URL on a WebSocket platform');
  t.is(new MqttClient({ url: 'wss://h', platform: wsp }).server.path, '/mqtt');
  const ok = new MqttClient({ host: 'h', port: 2000, secure: true, platform: p });
  ok.connect();
  t.deepEqual([p.last().host, p.last().port, p.last().secure], ['h', 2000, true]);
});

test('client: topic filter matching', (t) => {
  const yes = [['a/b', 'a/b'], ['a/+', 'a/b'], ['a/+', 'a/'], ['+/+', '/x'], ['a/#', 'a'], ['a/#', 'a/b/c'], ['#', 'a'],
    ['+', 'a'], ['a/+/c', 'a/b/c'], ['$SYS/#', '$SYS/x'], ['$SYS/+', '$SYS/x'], ['/#', '/a']];
  const no = [['a/b', 'a/c'], ['a/+', 'a/b/c'], ['a/+', 'a'], ['a', 'ab'], ['ab', 'a'], ['a/b', 'a'], ['+', '/a'],
    ['#', '$SYS/x'], ['+/x', '$SYS/x'], ['a/#', 'ab'], ['a/+/c', 'a/b/d']];
  yes.push(['caf\u00e9/+', 'caf\u00e9/\u{1F600}'], ['+/\u00e9', '\u00e8/\u00e9']);
  no.push(['caf\u00e9/+', 'cafe/x'], ['\u00e8', '\u00e9']);
  for (let i = 0; i < yes.length; i++) t.true(topicMatches(yes[i][0], yes[i][1]), yes[i].join(' ~ '));
  for (let i = 0; i < no.length; i++) t.false(topicMatches(no[i][0], no[i][1]), no[i].join(' !~ '));
});
