// host-sim driven as the dashboard drives it, without a browser: controls are MQTT messages on
// host-sim/control, and host-sim/status says what the fleet is doing. Also what a user reads
// when things go wrong: a refused broker, a wrong password, a big fleet's summary.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { MqttClient } from '../src/client.js';
import { createNodePlatform } from '../host-sim/node-platform.js';
import { serveMqttOverWebSocket } from '../host-sim/ws-server.js';
import type { SimStatus, Tile } from '../host-sim/dashboard/protocol.js';
import { startAedes, startMosquitto, freePort } from './helpers/brokers.js';
import { Cleanup, waitFor } from './helpers/wait.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'host-sim', 'cli.js');

class Sim {
  stdout = '';
  stderr = '';
  code: number | null | undefined;
  readonly child: ChildProcess;
  readonly done: Promise<void>;
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stdout += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.done = new Promise((r) => this.child.on('close', (code) => { this.code = code; r(); }));
  }
  stop(): Promise<void> {
    if (this.code === undefined) this.child.kill('SIGINT');
    return this.done;
  }
  kill(): void { if (this.code === undefined) this.child.kill('SIGKILL'); }
}

/** An MQTT client of the test's own that watches host-sim/status and sends controls. */
async function watcher(url: string, c: Cleanup) {
  const client = new MqttClient({ url, clientId: 'test-dash-' + process.pid, receiveBufferSize: 256 * 1024, platform: createNodePlatform() });
  c.add(() => client.end());
  let last: SimStatus | null = null;
  client.subscribe('host-sim/status', 0, (_t, p) => { last = JSON.parse(Buffer.from(p).toString('utf8')); });
  let up = false;
  client.onConnect = () => { up = true; };
  client.connect();
  await waitFor(() => up, 5000, 'the test client connected');
  return {
    status: () => last,
    tile: (id: string): Tile | undefined => (last ? (last as SimStatus).tiles.find((x) => x.id === id) : undefined),
    send: (c: object) => client.publish('host-sim/control', JSON.stringify(c), 1, false),
  };
}

test('a broker that refuses the connection is reported at once, not after a timeout', async (t) => {
  const port = await freePort(); // nothing listens there
  const t0 = Date.now();
  const sim = new Sim(['--broker', 'mqtt://127.0.0.1:' + port, '--no-dashboard']);
  t.teardown(() => sim.kill());
  await sim.done;
  const ms = Date.now() - t0;
  t.is(sim.code, 1);
  t.regex(sim.stderr, new RegExp(`cannot reach the broker at mqtt://127\\.0\\.0\\.1:${port}: CONNECTION_LOST: .*ECONNREFUSED`));
  t.true(ms < 4000, `took ${ms} ms`);
});

test('controls over MQTT on mosquitto: a wrong-password device is shown stopped with the refusal, a cut device reconnects, the summary lists both', async (t) => {
  const c = new Cleanup();
  t.teardown(() => c.run());
  const broker = await startMosquitto({ passwords: { sim: 'secret' } });
  c.add(() => broker.close());
  const url = `mqtt://sim:secret@127.0.0.1:${broker.port}`;
  // per-device topics: loss is counted exactly per device (on a shared topic another device's
  // resent duplicate can stand in for a refused device's reading of the same value)
  const sim = new Sim(['--broker', url, '--devices', '2', '--interval', '300', '--quiet', '--dashboard-port', '0', '--per-device-topics']);
  c.add(() => sim.kill());
  await waitFor(() => /subscriber on/.test(sim.stdout), 10000, 'host-sim started');
  const w = await watcher(url, c);
  await waitFor(() => w.tile('sim-2')?.state === 'connected', 10000, 'sim-2 connected');

  w.send({ cmd: 'add', count: 1, password: 'wrong' });
  await waitFor(() => w.tile('sim-3')?.state === 'stopped', 10000, 'sim-3 stopped');
  const refused = w.tile('sim-3')!;
  // mosquitto answers a wrong password with CONNACK 5 (not authorised); others say 4
  const REFUSAL = /^CONNACK_REFUSED_(BAD_CREDENTIALS|NOT_AUTHORIZED)$/;
  t.regex(refused.error?.code ?? '', REFUSAL);
  t.truthy(refused.error?.message);
  t.regex(w.status()!.control!.text, /added 1 device\(s\): sim-3 with the password given/);
  t.regex(w.status()!.topError!.code, REFUSAL);
  t.is(w.status()!.topError!.devices, 1);

  w.send({ cmd: 'cut', id: 'sim-1' });
  await waitFor(() => (w.tile('sim-1')?.reconnects ?? 0) >= 1 && w.tile('sim-1')?.state === 'connected', 10000, 'sim-1 back after the cut');
  t.is(w.tile('sim-1')!.error?.code, 'CONNECTION_LOST');
  w.send({ cmd: 'restart-broker' });
  await waitFor(() => /only the embedded one can be restarted/.test(w.status()?.control?.text ?? ''), 5000, 'restart refused');
  w.send({ cmd: 'bogus' });
  await waitFor(() => /control refused: unknown command "bogus"/.test(w.status()?.control?.text ?? ''), 5000, 'bad control refused');

  await sim.stop();
  t.is(sim.code, 0, sim.stderr);
  t.regex(sim.stdout, /^sim-3\s+stopped\s/m);
  t.regex(sim.stdout, /when told to stop: 2 connected, 1 stopped/);
  t.regex(sim.stdout, /errors by code: .*CONNACK_REFUSED_(BAD_CREDENTIALS|NOT_AUTHORIZED) ×1 \(1 device\)/);
  t.regex(sim.stdout, /CONNECTION_LOST ×\d+ \(1 device\)/);
  // the refused device's readings waited in its outbox for a connection that never came
  t.regex(sim.stdout, /note: 1 device\(s\) stopped because the broker refused them; the \d+ readings they queued could never be delivered/);
  const lost = Number(/^lost: (\d+) of/m.exec(sim.stdout)![1]);
  const refusedQueued = Number(/^sim-3\s+stopped\s+\d+\s+0\s+(\d+)/m.exec(sim.stdout)![1]);
  t.is(lost, refusedQueued, 'nothing but the refused device\'s readings was lost');
});

test('controls on the embedded broker: restart drops every link, the devices come back; stall holds a device, lifting it lets it go on', async (t) => {
  const c = new Cleanup();
  t.teardown(() => c.run());
  const sim = new Sim(['--devices', '3', '--interval', '300', '--quiet', '--json']);
  c.add(() => sim.kill());
  await waitFor(() => /subscriber on/.test(sim.stderr), 10000, 'host-sim started');
  const port = /embedded aedes broker on 127\.0\.0\.1:(\d+)/.exec(sim.stderr)![1];
  const w = await watcher('mqtt://127.0.0.1:' + port, c);
  await waitFor(() => w.status()?.totals.connected === 3, 10000, 'all connected');
  w.send({ cmd: 'stall', id: 'sim-2', on: true });
  await waitFor(() => w.tile('sim-2')?.stalled === true, 5000, 'sim-2 stalled');
  const before = w.tile('sim-2')!.outbox!;
  await waitFor(() => (w.tile('sim-2')?.outbox ?? 0) >= before + 3, 5000, 'readings pile up in sim-2\'s outbox');
  w.send({ cmd: 'stall', id: 'sim-2', on: false });
  await waitFor(() => w.tile('sim-2')?.outbox === 0, 5000, 'sim-2\'s outbox drained after the stall');
  w.send({ cmd: 'restart-broker' });
  // the test's own client is cut too and comes back by itself
  await waitFor(() => /embedded broker restarted/.test(w.status()?.control?.text ?? ''), 10000, 'restart reported');
  await waitFor(() => w.status()!.totals.connected === 3 && w.status()!.totals.reconnects >= 3, 10000, 'devices back after the restart');
  await sim.stop();
  const s = JSON.parse(sim.stdout);
  t.is(sim.code, 0);
  t.true(s.totals.reconnects >= 3);
  t.is(s.connectedAtStop, 3);
});

test('--broker ws://: the devices and the watcher speak MQTT over WebSocket, nothing lost', async (t) => {
  const c = new Cleanup();
  t.teardown(() => c.run());
  const broker = await startAedes();
  c.add(() => broker.close());
  const server = http.createServer();
  serveMqttOverWebSocket(server, (stream) => broker.broker.handle(stream));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  c.add(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as net.AddressInfo).port;
  let wsClients = 0;
  broker.broker.on('client', () => wsClients++);
  const sim = new Sim(['--broker', `ws://127.0.0.1:${port}/mqtt`, '--devices', '3', '--interval', '300', '--duration', '3',
    '--per-device-topics', '--no-dashboard', '--json']);
  c.add(() => sim.kill());
  await sim.done;
  t.is(sim.code, 0, sim.stderr);
  const s = JSON.parse(sim.stdout);
  t.is(s.totals.lost, 0);
  t.true(s.totals.received >= 9, `${s.totals.received} received`);
  t.is(wsClients, 4, 'three devices and the watcher, all through the WebSocket server');
});

test('a fleet of 30: readings not printed (said once), no rows of zeros, topics grouped, the state when told to stop', async (t) => {
  const sim = new Sim(['--devices', '30', '--ramp', '1000', '--interval', '500', '--duration', '3', '--per-device-topics', '--no-dashboard']);
  t.teardown(() => sim.kill());
  await sim.done;
  t.is(sim.code, 0, sim.stderr);
  const out = sim.stdout;
  t.is(out.match(/readings are not printed for more than 20 devices/g)?.length, 1);
  t.regex(out, /all 30 devices: nothing lost or dropped, no reconnects, no errors, none stopped/);
  t.notRegex(out, /worst/);
  t.regex(out, /the subscriber got \d+ on 30 topics temp\/<id>\/status, \d+ on 30 topics temp\/<id>|the subscriber got \d+ on 30 topics temp\/<id>, \d+ on 30 topics temp\/<id>\/status/);
  t.regex(out, /when told to stop: 30 connected/);
  t.notRegex(out, /0 connected at the end/);
  t.regex(out, /ran \d+(\.\d)? s \(start-up \d+(\.\d)? s before that\)/);
});
