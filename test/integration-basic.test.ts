// Round trips, wildcards, unsubscribe, retained messages and wills, against aedes and mosquitto.
import test from 'ava';
import { FaultProxy } from '../host-sim/fault-proxy.js';
import { BROKERS, Observer, Probe, uid } from './helpers/integration.js';
import { Cleanup, delay, waitFor } from './helpers/wait.js';

for (const b of BROKERS) {
  test(b.name + ': QoS 0 and QoS 1 round trips', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const p = new Probe({ url: broker.url, clientId: uid('rt') }).connect();
    c.add(() => p.end());
    await p.connected();
    const base = uid('rt');
    await p.subscribed(base + '/#', base + '/echo');

    t.is(p.client.publish(base + '/zero', 'hello 0', 0), 'sent');
    t.is(p.client.publish(base + '/one', 'hello ✓ 1', 1), 'sent');
    const id = p.client.lastPacketId;
    const bytes = new Uint8Array([0, 1, 2, 255]);
    t.is(p.client.publish(base + '/bin', bytes, 1), 'sent');
    await waitFor(() => p.messages.length >= 4 && p.published.length >= 3, 5000, 'round trips');
    const zero = p.messages.find((m) => m.topic === base + '/zero');
    const one = p.messages.find((m) => m.topic === base + '/one');
    t.deepEqual(zero && [zero.payload, zero.qos], ['hello 0', 0]);
    t.deepEqual(one && [one.payload, one.qos, one.retain], ['hello ✓ 1', 1, false]);
    t.true(p.published.includes(id), 'onPublished reports the id publish() gave');
    const bin = p.messages.find((m) => m.topic === base + '/bin');
    t.truthy(bin);
    t.deepEqual(bin && [...bin.bytes!], [0, 1, 2, 255]);
    t.deepEqual(p.errors, []);
  });

  test(b.name + ': several subscriptions with wildcards route to their handlers', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const p = new Probe({ url: broker.url, clientId: uid('wc') }).connect();
    c.add(() => p.end());
    await p.connected();
    const base = uid('wc');
    await p.subscribed(base + '/+/temp', base + '/echo1/temp', 1, true);
    await p.subscribed(base + '/kitchen/#', base + '/kitchen/echo', 0, true);
    const obs = await new Observer(broker.url).ready();
    c.add(() => obs.close());
    for (const topic of ['/hall/temp', '/garage/temp', '/kitchen/a/b', '/kitchen/light', '/other', '/hall/temp/x']) {
      await obs.publish(base + topic, topic, 1);
    }
    await obs.publish(base + '/kitchen/zz', 'end', 1);
    await waitFor(() => (p.handled.get(base + '/kitchen/#') ?? []).some((m) => m.payload === 'end'), 5000, 'end marker');
    await delay(100);
    const got = (f: string) => (p.handled.get(base + f) ?? []).map((m) => m.payload).filter((x) => x !== 'echo').sort();
    t.deepEqual(got('/+/temp'), ['/garage/temp', '/hall/temp']);
    t.deepEqual(got('/kitchen/#'), ['/kitchen/a/b', '/kitchen/light', 'end']);
    t.deepEqual(p.messages, [], 'handled messages do not reach onMessage');
    // Granted QoS caps delivery: the QoS 0 subscription gets QoS 0 even for a QoS 1 publish.
    t.true((p.handled.get(base + '/kitchen/#') ?? []).every((m) => m.qos === 0));
    t.true((p.handled.get(base + '/+/temp') ?? []).every((m) => m.qos === 1));
  });

  test(b.name + ': unsubscribe stops delivery', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const p = new Probe({ url: broker.url, clientId: uid('un') }).connect();
    c.add(() => p.end());
    await p.connected();
    const base = uid('un');
    await p.subscribed(base + '/x', base + '/x');
    await p.subscribed(base + '/marker', base + '/marker');
    const before = p.messages.filter((m) => m.topic === base + '/x').length;
    p.client.unsubscribe(base + '/x');
    // Same connection, so the broker handles UNSUBSCRIBE before these.
    t.is(p.client.publish(base + '/x', 'after', 1), 'sent');
    t.is(p.client.publish(base + '/marker', 'done', 1), 'sent');
    await waitFor(() => p.messages.some((m) => m.payload === 'done'), 5000, 'marker');
    await delay(100);
    t.is(p.messages.filter((m) => m.topic === base + '/x').length, before);
    t.true(p.platform.packets('unsubscribe').some((u) => u.unsubscriptions.includes(base + '/x')));
  });

  test(b.name + ': a retained message reaches a late subscriber; an empty one clears it', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const base = uid('ret');
    const pub = new Probe({ url: broker.url, clientId: uid('ret-pub') }).connect();
    c.add(() => pub.end());
    await pub.connected();
    t.is(pub.client.publish(base + '/state', 'on', 1, true), 'sent');
    await waitFor(() => pub.published.length >= 1, 5000, 'PUBACK of the retained message');

    const late = new Probe({ url: broker.url, clientId: uid('ret-sub') }).connect();
    c.add(() => late.end());
    await late.connected();
    late.client.subscribe(base + '/#', 1);
    await waitFor(() => late.messages.length >= 1, 5000, 'retained message');
    t.deepEqual([late.messages[0].topic, late.messages[0].payload, late.messages[0].retain], [base + '/state', 'on', true]);

    t.is(pub.client.publish(base + '/state', '', 1, true), 'sent');
    await waitFor(() => pub.published.length >= 2, 5000, 'PUBACK of the clearing message');
    const later = new Probe({ url: broker.url, clientId: uid('ret-sub2') }).connect();
    c.add(() => later.end());
    await later.connected();
    await later.subscribed(base + '/#', base + '/echo');
    await delay(200);
    t.deepEqual(later.messages.map((m) => m.topic), [base + '/echo']);
  });

  test(b.name + ': the will is published when the link dies, not after end()', async (t) => {
    t.timeout(15000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const base = uid('will');
    const obs = await new Observer(broker.url).ready();
    c.add(() => obs.close());
    await obs.subscribe(base + '/#');
    const proxy = new FaultProxy('127.0.0.1', broker.port);
    c.add(() => proxy.close());
    const port = await proxy.listen();
    const will = (id: string) => ({ topic: base + '/' + id, payload: id + ' gone', qos: 1 as const, retain: false });

    const dying = new Probe({ url: 'mqtt://127.0.0.1:' + port, clientId: uid('dying'), will: will('dying') }).connect();
    c.add(() => dying.end());
    const polite = new Probe({ url: 'mqtt://127.0.0.1:' + port, clientId: uid('polite'), will: will('polite') }).connect();
    await dying.connected();
    await polite.connected();
    polite.client.end();
    await waitFor(() => polite.closes.length >= 1, 3000, 'polite onClose');
    await delay(300);
    proxy.cutAll();
    await waitFor(() => obs.on(base + '/dying').length >= 1, 5000, 'will of the dying client');
    t.is(obs.on(base + '/dying')[0].payload, 'dying gone');
    await dying.connected(2);   // and it comes back on its own
    await delay(300);
    t.deepEqual(obs.on(base + '/polite'), [], 'no will after end()');
    t.is(polite.platform.packets('disconnect').length, 1);
    t.is(polite.platform.attempts.length, 1, 'end() does not reconnect');
  });
}
