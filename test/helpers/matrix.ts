// The broker compatibility matrix: one table of scenarios, run for every broker with both
// clients. Each test asserts what MQTT 3.1.1 asks of the *client* (checked on the wire with an
// independent parser) and records what the *broker* did where brokers differ (which QoS it
// grants, which CONNACK code refuses a wrong password, whether it keeps retained messages and
// sessions...). A broker deviating from MQTT 3.1.1 is a line in the table, not a failed test.
// The cells go to build/matrix-results/<broker>.json; `node build/scripts/broker-table.js`
// prints README's table from them.
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FaultProxy } from '../../host-sim/fault-proxy.js';
import { CLIENT_KINDS, Device, checkResends, type ClientKind, type DeviceOptions } from './devices.js';
import { Observer, uid } from './integration.js';
import { PASSWORD, USER, type BrokerKind, type MatrixBroker } from './matrix-brokers.js';
import { ROWS, type Cell, type MatrixResults } from './matrix-rows.js';
import { Cleanup, delay, waitFor } from './wait.js';


type Run = (t: any, b: MatrixBroker, kind: ClientKind, c: Cleanup) => Promise<string>;
interface Scenario { key: string; title: string; run: Run; lite?: { title: string; run: Run } }

// Quick retries so a test does not wait out production backoff; LiteClient's are fixed (1 s → 60 s).
const RECONNECT = { min: 200, max: 2000, jitter: 0 };
const LINK_ERRORS = ['CONNECTION_LOST', 'PING_TIMEOUT', 'CONNECT_TIMEOUT'];

function device(c: Cleanup, kind: ClientKind, o: Partial<DeviceOptions> & { url: string }): Device {
  const d = new Device(kind, Object.assign({ clientId: uid(kind === 'MqttClient' ? 'core' : 'lite'), reconnect: RECONNECT,
    connectTimeout: 5000 }, o));
  c.add(() => d.end());
  return d;
}

async function observer(c: Cleanup, url: string, opts = {}): Promise<Observer> {
  const o = await new Observer(url, opts).ready(8000);
  c.add(() => o.close());
  return o;
}

/** Waits for cond; false (not an exception) when it does not come: the broker's behaviour to record. */
async function within(cond: () => boolean, ms: number): Promise<boolean> {
  try { await waitFor(cond, ms, ''); return true; } catch { return false; }
}

/** Payloads published on `topic` whose last write was never answered by a PUBACK on that connection. */
function unacknowledged(d: Device, topic: string): string[] {
  const last = new Map<string, { conn: number; id: number; at: number }>();
  for (const w of d.wire.out) {
    if (w.packet.cmd === 'publish' && w.packet.topic === topic && w.packet.qos === 1) {
      last.set(w.packet.payload.toString('latin1'), { conn: w.conn, id: w.packet.messageId, at: w.at });
    }
  }
  const out: string[] = [];
  for (const [payload, w] of last) {
    if (!d.wire.in.some((r) => r.conn === w.conn && r.packet.cmd === 'puback' && r.packet.messageId === w.id && r.at >= w.at)) out.push(payload);
  }
  return out;
}

const anonymous: Run = async (t, b, kind, c) => {
  const d = device(c, kind, { url: b.url }).connect();
  await d.waitConnected();
  t.deepEqual(d.errors, []);
  t.false(d.connects[0].sessionPresent, 'a clean session has nothing to resume');
  t.is(d.packets('connect')[0].clean, true);
  return '';
};

const password: Run = async (t, b, kind, c) => {
  const good = device(c, kind, { url: b.authUrl(USER, PASSWORD) }).connect();
  const bad = device(c, kind, { url: b.authUrl(USER, 'wrong') }).connect();
  await good.waitConnected();
  t.is(good.packets('connect')[0].username, USER);
  await waitFor(() => bad.errors.length > 0, 8000, 'the refusal');
  t.regex(bad.errors[0].code, /^CONNACK_REFUSED_(BAD_CREDENTIALS|NOT_AUTHORIZED)$/);
  // The first retry would come within 1 s: refused credentials must stop them.
  await delay(1500);
  t.is(bad.wire.attempts.length, 1, 'no retry after a refusal for credentials');
  t.is(bad.errors.length, 1);
  t.false(bad.connected);
  t.deepEqual(good.errors, []);
  const code = bad.packets('connack', 'in')[0]?.returnCode;
  return 'a wrong password gets CONNACK ' + code + (code === 4 ? ' (bad user name or password)' : code === 5 ? ' (not authorized)' : '');
};

const roundTrip: Run = async (t, b, kind, c) => {
  const base = uid('rt');
  const d = device(c, kind, { url: b.url }).connect();
  await d.waitConnected();
  t.is(d.subscribe(base + '/#', 1), 'sent');
  await d.echo(base + '/echo');
  const granted = d.packets('suback', 'in')[0].granted[0];
  t.is(d.publish(base + '/zero', 'zero', 0), 'sent');
  t.is(d.publish(base + '/one', 'one', 1), 'sent');
  const obs = await observer(c, b.url);
  await obs.publish(base + '/ext', 'from MQTT.js', 1);
  const on = (s: string) => d.messages.find((m) => m.topic === base + s);
  await waitFor(() => !!on('/zero') && !!on('/one') && !!on('/ext'), 8000, 'the round trips');
  const expectQos = Math.min(1, granted);
  t.deepEqual([on('/zero')!.payload, on('/zero')!.qos], ['zero', 0]);
  t.deepEqual([on('/one')!.payload, on('/one')!.qos, on('/one')!.retain], ['one', expectQos, false]);
  t.deepEqual([on('/ext')!.payload, on('/ext')!.qos], ['from MQTT.js', expectQos]);
  await waitFor(() => unacknowledged(d, base + '/one').length === 0, 3000, 'the PUBACK');
  // Every QoS 1 message the broker delivered was acknowledged by the client.
  const inIds = d.packets('publish', 'in').filter((p) => p.qos === 1).map((p) => p.messageId);
  await waitFor(() => inIds.every((id) => d.packets('puback').some((p) => p.messageId === id)), 3000, 'PUBACKs for deliveries');
  t.deepEqual(d.errors, []);
  return granted === 1 ? '' : 'grants QoS ' + granted + ' for a QoS 1 subscription';
};

const retained: Run = async (t, b, kind, c) => {
  const base = uid('ret');
  const notes: string[] = [];
  const pub = device(c, kind, { url: b.url }).connect();
  await pub.waitConnected();
  t.is(pub.publish(base + '/state', 'on', 1, true), 'sent');
  await waitFor(() => unacknowledged(pub, base + '/state').length === 0, 5000, 'PUBACK of the retained message');
  t.true(pub.packets('publish').some((p) => p.topic === base + '/state' && p.retain), 'written with the retain flag');

  // A later subscriber with a wildcard filter; some brokers keep retained messages only for
  // subscriptions to the exact topic, so that is tried when the wildcard gets nothing.
  const on = (d: Device) => d.messages.filter((m) => m.topic === base + '/state');
  let filter = '';
  for (const f of [base + '/#', base + '/state']) {
    const late = device(c, kind, { url: b.url }).connect();
    await late.waitConnected();
    late.subscribe(f, 1);
    if (await within(() => on(late).length > 0, 4000)) {
      const m = on(late)[0];
      t.is(m.payload, 'on');
      if (!m.retain) notes.push('sends the retained copy without the retain flag');
      filter = f;
      break;
    }
  }
  if (filter === '') return 'does not deliver a retained message to a later subscriber';
  if (filter !== base + '/#') notes.push('delivers a retained message to an exact-topic subscription only, not to a wildcard one');

  t.is(pub.publish(base + '/state', '', 1, true), 'sent');
  await waitFor(() => unacknowledged(pub, base + '/state').length === 0, 5000, 'PUBACK of the clearing message');
  const later = device(c, kind, { url: b.url }).connect();
  await later.waitConnected();
  later.subscribe(filter, 1);
  later.subscribe(base + '/echo', 1);
  await later.echo(base + '/echo');
  await delay(300);
  const left = on(later);
  if (left.length > 0) notes.push('an empty retained message does not clear it (a later subscriber got "' + left[0].payload + '")');
  t.deepEqual([pub.errors, later.errors], [[], []]);
  return notes.join('; ');
};

const will: Run = async (t, b, kind, c) => {
  const base = uid('will');
  const obs = await observer(c, b.url);
  await obs.subscribe(base + '/#', 1);
  const proxy = new FaultProxy('127.0.0.1', b.port);
  c.add(() => proxy.close());
  const url = 'mqtt://127.0.0.1:' + (await proxy.listen());
  const w = (name: string) => ({ topic: base + '/' + name, payload: name + ' gone', qos: 1 as const, retain: false });
  const dying = device(c, kind, { url, will: w('dying') }).connect();
  const polite = device(c, kind, { url, will: w('polite') }).connect();
  await dying.waitConnected();
  await polite.waitConnected();
  const cw = dying.packets('connect')[0];
  t.deepEqual([cw.will?.topic, String(cw.will?.payload), cw.will?.qos], [base + '/dying', 'dying gone', 1], 'the will went out in CONNECT');
  polite.end();
  t.is(polite.packets('disconnect').length, 1, 'end() writes DISCONNECT');
  await delay(300);
  const cutAt = Date.now();
  proxy.cutAll();
  const notes: string[] = [];
  if (await within(() => obs.on(base + '/dying').length > 0, 8000)) {
    t.is(obs.on(base + '/dying')[0].payload, 'dying gone');
    const ms = Date.now() - cutAt;
    if (ms > 2000) notes.push('publishes the will ' + (ms / 1000).toFixed(1) + ' s after the link died');
  } else {
    notes.push('did not publish the will within 8 s of an abrupt loss');
  }
  await dying.waitConnected(2);   // and the device comes back on its own
  await delay(300);
  if (obs.on(base + '/polite').length > 0) notes.push('publishes the will after a DISCONNECT too');
  t.is(polite.wire.attempts.length, 1, 'end() does not reconnect');
  t.true(dying.errors.every((e) => LINK_ERRORS.includes(e.code)), JSON.stringify(dying.errors));
  return notes.join('; ');
};

const session: Run = async (t, b, kind, c) => {
  const base = uid('ps');
  const id = uid('ps');
  const d = device(c, kind, { url: b.url, clientId: id, clean: false }).connect();
  await d.waitConnected();
  t.is(d.packets('connect')[0].clean, false);
  d.subscribe(base + '/#', 1);
  await d.echo(base + '/echo');
  // Away: the link dies and new connections are refused for a while.
  d.wire.block = true;
  d.cut();
  await waitFor(() => d.wire.attempts.length >= 2, 5000, 'a refused reconnect attempt');
  const obs = await observer(c, b.url);
  for (let i = 0; i < 5; i++) await obs.publish(base + '/m', 'away ' + i, 1);
  const subsBefore = d.packets('subscribe').length;
  d.wire.block = false;
  await d.waitConnected(2);
  const present = d.connects[1].sessionPresent;
  const away = () => d.messages.filter((m) => m.topic === base + '/m').map((m) => m.payload);
  const last = d.wire.attempts.length - 1;
  if (present) {
    await waitFor(() => away().length >= 5, 8000, 'the messages queued while away');
    t.deepEqual(away(), ['away 0', 'away 1', 'away 2', 'away 3', 'away 4']);
    t.is(d.packets('subscribe').length, subsBefore, 'no SUBSCRIBE after a session-present CONNACK');
    return '';
  }
  // The broker kept nothing: the client must renew its subscription by itself.
  await waitFor(() => d.packets('subscribe', 'out', last).length > 0, 3000, 'a resubscribe');
  const got = await within(() => away().length >= 5, 2000);
  return 'answers CONNACK session present 0 to a returning clean=false client' + (got ? '' : ', and the messages sent while it was away are lost');
};

// LiteClient has no persistent session: what it does promise is to renew its subscriptions.
const liteRenews: Run = async (t, b, kind, c) => {
  const base = uid('lr');
  const d = device(c, kind, { url: b.url }).connect();
  await d.waitConnected();
  t.is(d.packets('connect')[0].clean, true, 'always a clean session');
  d.subscribe(base + '/#', 1);
  await d.echo(base + '/echo');
  d.cut();
  await d.waitConnected(2, 8000);
  t.false(d.connects[1].sessionPresent);
  const last = d.wire.attempts.length - 1;
  t.deepEqual(d.packets('subscribe', 'out', last).map((p) => p.subscriptions[0].topic), [base + '/#']);
  await d.echo(base + '/echo2');
  const obs = await observer(c, b.url);
  await obs.publish(base + '/after', 'after', 1);
  await waitFor(() => d.messages.some((m) => m.payload === 'after'), 5000, 'a message after the reconnect');
  return 'not supported: always a clean session; subscriptions renewed after a reconnect';
};

export const SCENARIOS: Scenario[] = [
  { key: ROWS[0], title: 'anonymous connect', run: anonymous },
  { key: ROWS[1], title: 'user and password connect; a wrong password is refused once, no retry', run: password },
  { key: ROWS[2], title: 'QoS 0 and QoS 1 round trip, every delivery PUBACKed', run: roundTrip },
  { key: ROWS[3], title: 'a retained message reaches a later subscriber; an empty one clears it', run: retained },
  { key: ROWS[4], title: 'the will is published when the link dies, not after end()', run: will },
  { key: ROWS[5], title: 'clean = false: messages sent while away arrive after reconnect, no resubscribe', run: session,
    lite: { title: 'clean session only: subscriptions are renewed after a reconnect', run: liteRenews } },
];
const RESTART = ROWS[6];

/** Registers the whole table for one broker: started once for the file, closed after. */
export function registerMatrix(kind: BrokerKind): void {
  const why = kind.unavailable();
  if (why !== null) {
    test.skip(kind.name + ': broker matrix skipped: ' + why, () => {});
    return;
  }
  const results: MatrixResults = { broker: kind.name, version: kind.version(), persistence: kind.persistence, date: new Date().toISOString(), cells: {} };
  const cell = (scenario: string, client: string, status: Cell['status'], note: string) => {
    (results.cells[scenario] ??= {})[client] = { status, note };
  };
  let broker: MatrixBroker | null = null;
  let failedToStart: Error | null = null;
  test.before(async () => {
    try { broker = await kind.start(); } catch (e) { failedToStart = e as Error; }
  });
  test.after.always(async () => {
    if (broker) await broker.close();
    const dir = resolve('build', 'matrix-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, kind.name + '.json'), JSON.stringify(results, null, 1));
  });
  const get = (): MatrixBroker => {
    if (failedToStart) throw failedToStart;
    return broker!;
  };

  // Serial tests run before the concurrent ones, so the restart disturbs nothing else.
  test.serial(kind.name + ': broker restart mid-stream: both clients lose no QoS 1 message', async (t) => {
    t.timeout(90000);
    for (const k of CLIENT_KINDS) cell(RESTART, k, 'failed', '');
    const c = new Cleanup();
    t.teardown(() => c.run());
    const notes = await restart(t, get(), c);
    for (const k of CLIENT_KINDS) cell(RESTART, k, 'ok', notes[k]);
  });

  for (const client of CLIENT_KINDS) {
    for (const s of SCENARIOS) {
      const sc = client === 'LiteClient' && s.lite ? s.lite : s;
      test(kind.name + ': ' + client + ': ' + sc.title, async (t) => {
        t.timeout(40000);
        cell(s.key, client, 'failed', '');
        const c = new Cleanup();
        t.teardown(() => c.run());
        const note = await sc.run(t, get(), client, c);
        if (note) t.log(note);
        cell(s.key, client, sc === s ? 'ok' : 'n/a', note);
      });
    }
  }
}

// Both clients publish a QoS 1 message every 10 ms while the broker is killed and started again;
// an MQTT.js subscriber with a kept session counts what arrived.
async function restart(t: any, b: MatrixBroker, c: Cleanup): Promise<Record<string, string>> {
  const base = uid('restart');
  const obs = await observer(c, b.url, { clientId: uid('restart-obs'), clean: false, reconnectPeriod: 100 });
  await obs.subscribe(base + '/#', 1);
  // What the counting subscriber went through, for the record when something is missing; and it
  // subscribes again on every connection, in case the broker kept its session but not the binding.
  const obsEvents: string[] = [];
  obs.client.on('connect', (ck) => {
    obsEvents.push('connect ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s' + (ck.sessionPresent ? ' session present' : ''));
    obs.client.subscribe(base + '/#', { qos: 1 });
  });
  obs.client.on('close', () => obsEvents.push('close ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s'));
  const t0 = Date.now();
  const devs = CLIENT_KINDS.map((k) => device(c, k, { url: b.url, keepalive: 10, outboxSize: 128 * 1024, reconnect: RECONNECT }).connect());
  for (const d of devs) await d.waitConnected();
  const sent = devs.map(() => 0);
  const refused: string[] = [];
  const tick = () => devs.forEach((d, i) => {
    const r = d.publish(base + '/' + d.kind, String(sent[i]), 1);
    if (r === 'sent' || r === 'queued') sent[i]++; else refused.push(d.kind + ' ' + sent[i] + ': ' + r);
  });
  const timer = setInterval(tick, 10);
  c.add(() => clearInterval(timer));
  await delay(1000);
  const downAt = Date.now();
  await b.restart(1500);
  const upAt = Date.now();
  await delay(1000);
  clearInterval(timer);
  t.deepEqual(refused, []);
  const notes: Record<string, string> = {};
  for (let i = 0; i < devs.length; i++) {
    const d = devs[i], topic = base + '/' + d.kind;
    const unique = () => new Set(obs.on(topic).map((m) => m.payload)).size;
    const all = await within(() => unique() >= sent[i] && unacknowledged(d, topic).length === 0, 30000);
    const unacked = unacknowledged(d, topic);
    // The client's part: every message written, resent only with DUP, and acknowledged in the end.
    t.deepEqual(unacked.slice(0, 5), [], d.kind + ': ' + unacked.length + ' messages never acknowledged by the broker');
    const r = checkResends(d, topic);
    t.deepEqual(r.bad.slice(0, 5), [], d.kind + ': resends break MQTT 3.1.1');
    t.true(d.connects.length >= 2, d.kind + ' reconnected');
    const lost = sent[i] - unique();
    // Acknowledged by the broker yet never delivered: the broker's durability, recorded.
    notes[d.kind] = sent[i] + ' messages, ' + lost + ' lost, broker down ' + ((upAt - downAt) / 1000).toFixed(1) + ' s' +
      (all ? '' : '; the broker acknowledged ' + lost + ' messages it never delivered');
    if (!all) {
      t.log('the subscriber (killed at ' + ((downAt - t0) / 1000).toFixed(1) + ' s, up at ' + ((upAt - t0) / 1000).toFixed(1) + ' s): ' +
        obsEvents.slice(0, 12).join(', ') + '; last message at ' + (obs.on(topic).length ? obs.on(topic)[obs.on(topic).length - 1].payload : 'none'));
      t.log('broker log: ' + b.log().split('\n').filter((l) => /error|warning/i.test(l)).slice(-15).join('\n'));
    }
    t.log(d.kind + ': ' + notes[d.kind] + ', ' + r.dupWrites + ' DUP resends, ' + (d.connects.length - 1) + ' reconnects');
  }
  return notes;
}
