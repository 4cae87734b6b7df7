// Persistent sessions (clean=false) against aedes and mosquitto: what the broker kept arrives,
// and the client resubscribes exactly when the broker says it kept nothing.
import test from 'ava';
import { BROKERS, Observer, Probe, uid } from './helpers/integration.js';
import { Cleanup, delay, waitFor } from './helpers/wait.js';

for (const b of BROKERS) {
  test(b.name + ': messages sent while away arrive after reconnect, without resubscribing', async (t) => {
    t.timeout(20000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const base = uid('ps');
    const p = new Probe({ url: broker.url, clientId: uid('ps'), clean: false }).connect();
    c.add(() => p.end());
    await p.connected();
    await p.subscribed(base + '/#', base + '/echo');
    t.is(p.platform.packets('subscribe').length, 1);

    // Take the client away: the socket drops and new connections are refused for a while.
    p.platform.block = true;
    p.platform.cut();
    await waitFor(() => p.platform.attempts.length >= 2, 3000, 'a refused reconnect attempt');
    const obs = await new Observer(broker.url).ready();
    c.add(() => obs.close());
    for (let i = 0; i < 5; i++) await obs.publish(base + '/m', 'away ' + i, 1);

    const conns = p.platform.attempts.length;
    p.platform.block = false;
    await p.connected(2, 5000);
    t.true(p.connects[1].sessionPresent, 'the broker kept the session');
    await waitFor(() => p.messages.filter((m) => m.topic === base + '/m').length >= 5, 5000, 'the queued messages');
    t.deepEqual(p.messages.filter((m) => m.topic === base + '/m').map((m) => m.payload),
      ['away 0', 'away 1', 'away 2', 'away 3', 'away 4']);
    t.true(p.messages.filter((m) => m.topic === base + '/m').every((m) => m.qos === 1));
    t.true(p.platform.attempts.length > conns, 'reconnected after the block lifted');
    t.is(p.platform.packets('subscribe').length, 1, 'no SUBSCRIBE after a session-present CONNACK');
  });

  test(b.name + ': the client resubscribes when the broker lost the session', async (t) => {
    t.timeout(20000);
    const c = new Cleanup();
    t.teardown(() => c.run());
    const broker = await b.start();
    c.add(() => broker.close());
    const base = uid('rs');
    const id = uid('rs');
    const p = new Probe({ url: broker.url, clientId: id, clean: false }).connect();
    c.add(() => p.end());
    await p.connected();
    await p.subscribed(base + '/a/#', base + '/a/echo');
    await p.subscribed(base + '/b', base + '/b');
    p.platform.block = true;
    p.platform.cut();
    await waitFor(() => p.platform.attempts.length >= 2, 3000, 'a refused reconnect attempt');
    // Someone else connects with the same id and a clean session: the broker drops ours.
    const thief = await new Observer(broker.url, { clientId: id, clean: true, reconnectPeriod: 0 }).ready();
    await thief.close();
    p.platform.block = false;
    await p.connected(2, 5000);
    t.false(p.connects[1].sessionPresent);
    const lastConn = p.platform.attempts.length - 1;
    await waitFor(() => p.platform.packets('subscribe', lastConn).length >= 1, 3000, 'a resubscribe');
    await delay(100);
    const filters = p.platform.packets('subscribe', lastConn)
      .flatMap((s: any) => s.subscriptions.map((x: any) => x.topic));
    t.deepEqual(filters, [base + '/a/#', base + '/b'], 'the same filters, in order');
    const obs = await new Observer(broker.url).ready();
    c.add(() => obs.close());
    await obs.publish(base + '/a/x', 'back', 1);
    await waitFor(() => p.messages.some((m) => m.payload === 'back'), 5000, 'delivery after resubscribe');
    t.pass();
  });
}
