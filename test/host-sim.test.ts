// host-sim as a user runs it: a child process, judged by its exit code, stdout and stderr.
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startMosquitto } from './helpers/brokers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'host-sim', 'cli.js');
// what `npm start` runs: host-sim bundled by esbuild from the TypeScript sources (build/ is where
// tsc puts this test; the script is in the checkout's scripts/)
const START = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'start.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], timeoutMs: number, entry = CLI): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function summaryOf(t: { log(s: string): void }, r: Run): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    t.log('stdout:\n' + r.stdout + '\nstderr:\n' + r.stderr);
    throw new Error('stdout is not a JSON summary (exit ' + r.code + ')');
  }
}

test('default run: an embedded broker, 3 sensors publishing on exactly temp and temp/status, each device\'s readings arrive', async (t) => {
  const r = await run(['--duration', '4', '--interval', '500', '--json'], 30000);
  const s = summaryOf(t, r);
  t.is(r.code, 0, r.stderr);
  t.true(s.embeddedBroker);
  t.regex(r.stderr, /embedded aedes broker on 127\.0\.0\.1:\d+/);
  t.is(s.devices, 3);
  // The default client is MqttClient, which counts the PUBACKs it got (readings and statuses).
  t.is(s.client, 'full');
  t.regex(r.stderr, /3 device\(s\) running MqttClient publish to temp/);
  t.true(s.totals.acknowledged >= s.totals.received, `${s.totals.acknowledged} acked`);
  // The firmware's topics and nothing else reached the subscriber.
  t.deepEqual(s.topics, { readings: 'temp', status: 'temp/status' });
  t.deepEqual(Object.keys(s.receivedOn).sort(), ['temp', 'temp/status']);
  // (receivedOn counts every arrival; the totals stop at the cut-off, so a late reading may add to the first)
  t.true(s.receivedOn.temp >= s.totals.received, `${s.receivedOn.temp} on temp, ${s.totals.received} counted`);
  t.true(s.receivedOn['temp/status'] >= 3, `${s.receivedOn['temp/status']} statuses`);
  // Shared topics, yet the embedded broker tells who sent each reading.
  t.is(s.attribution, 'broker');
  t.deepEqual(s.perDevice.map((d: { id: string }) => d.id).sort(), ['sim-1', 'sim-2', 'sim-3']);
  for (const d of s.perDevice) {
    t.true(d.received >= 3, `${d.id} got ${d.received} readings through`);
    t.is(d.lost, 0, d.id);
  }
  t.is(s.totals.received, s.perDevice.reduce((n: number, d: { received: number }) => n + d.received, 0));
  t.is(s.totals.lost, 0);
  // With --json the readings are printed on stderr: sender, the topic it arrived on, the value.
  for (const id of ['sim-1', 'sim-2', 'sim-3']) {
    t.regex(r.stderr, new RegExp('^' + id + '\\s+temp\\s+-?\\d+\\.\\d$', 'm'));
    t.regex(r.stderr, new RegExp('^' + id + '\\s+temp/status\\s+online$', 'm'));
  }
  t.notRegex(r.stderr, /temp\/sim-/);
  t.true(s.memory.rss > 0 && s.cpu.userMs >= 0);
});

test('npm start (scripts/start.mjs, host-sim bundled by esbuild): the default fleet runs on the embedded broker', async (t) => {
  // The bundle must contain host-sim's own lazily loaded modules (the embedded broker): a
  // non-literal import() left them out, and `npm start` then said aedes was missing.
  const r = await run(['--duration', '3', '--interval', '500', '--json'], 60000, START);
  const s = summaryOf(t, r);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stderr, /needs the \w+ package/);
  t.regex(r.stderr, /embedded aedes broker on 127\.0\.0\.1:\d+/);
  t.is(s.devices, 3);
  for (const d of s.perDevice) t.true(d.received >= 2, `${d.id} got ${d.received} readings through`);
  t.is(s.totals.lost, 0);
});

test('--client lite: the devices run LiteClient, every reading arrives, acked unknown rather than 0', async (t) => {
  const r = await run(['--client', 'lite', '--devices', '3', '--interval', '300', '--duration', '3', '--json'], 30000);
  const s = summaryOf(t, r);
  t.is(r.code, 0, r.stderr);
  t.is(s.client, 'lite');
  t.regex(r.stderr, /3 device\(s\) running LiteClient publish to temp every 300 ms, QoS 1/);
  t.deepEqual(Object.keys(s.receivedOn).sort(), ['temp', 'temp/status']);
  t.is(s.attribution, 'broker');
  t.deepEqual(s.perDevice.map((d: { id: string }) => d.id).sort(), ['sim-1', 'sim-2', 'sim-3']);
  for (const d of s.perDevice) {
    t.true(d.received >= 4, `${d.id} got ${d.received} readings through`);
    t.is(d.lost, 0, d.id);
    t.is(d.duplicates, 0, d.id);
    t.is(d.acknowledged, null, d.id); // LiteClient has no PUBACK callback: not a fake 0
    t.is(d.reconnects, 0, d.id);
  }
  t.is(s.totals.acknowledged, null);
  t.is(s.totals.lost, 0);
  t.true(s.totals.expected >= 12);
  t.is(s.totals.received, s.totals.expected);
  t.true(s.notes.some((n: string) => /LiteClient.*acked is unknown/.test(n)));
  for (const id of ['sim-1', 'sim-2', 'sim-3']) {
    t.regex(r.stderr, new RegExp('^' + id + '\\s+temp\\s+-?\\d+\\.\\d$', 'm'));
    t.regex(r.stderr, new RegExp('^' + id + '\\s+temp/status\\s+online$', 'm'));
  }
});

test('--client lite through the fault proxy, links cut twice a second: reconnects counted, nothing lost', async (t) => {
  // The text summary, as a user reads it.
  const r = await run(['--client', 'lite', '--devices', '5', '--interval', '200', '--drop-every', '0.5', '--duration', '3', '--quiet'], 30000);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^host-sim summary — 5 device\(s\) running LiteClient, QoS 1/m);
  // acked shows "-" (unknown); reconnects are counted from the client's connection attempts.
  const total = /^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+-\s+(\d+)\s+(\d+)\s+0$/m.exec(r.stdout);
  t.truthy(total, r.stdout);
  const reconnects = Number(total![5]);
  const proxy = /proxy saw (\d+) connections, cut (\d+)/.exec(r.stdout);
  t.truthy(proxy, r.stdout);
  const [connections, cuts] = [Number(proxy![1]), Number(proxy![2])];
  t.true(cuts >= 5, `the proxy cut ${cuts} links`);
  t.true(reconnects >= 5, `${reconnects} reconnects`);
  // Every connection the proxy saw was a device's first or one of its counted reconnects.
  t.true(connections <= 5 + reconnects && connections >= reconnects, `${connections} connections, ${reconnects} reconnects`);
  t.regex(r.stdout, /^lost: 0 of \d+ QoS 1 readings/m);
});

test('--per-device-topics: each sensor on temp/<id> and temp/<id>/status, counted per device', async (t) => {
  const r = await run(['--duration', '3', '--interval', '500', '--devices', '2', '--per-device-topics', '--json'], 30000);
  const s = summaryOf(t, r);
  t.is(r.code, 0, r.stderr);
  t.is(s.attribution, 'topic');
  t.deepEqual(s.topics, { readings: 'temp/<id>', status: 'temp/<id>/status' });
  t.deepEqual(Object.keys(s.receivedOn).sort(), ['temp/sim-1', 'temp/sim-1/status', 'temp/sim-2', 'temp/sim-2/status']);
  for (const d of s.perDevice) {
    t.true(d.received >= 2, `${d.id} got ${d.received} readings through`);
    // every arrival on the topic; the device's count stops with the readings taken before the cut-off
    t.true(s.receivedOn['temp/' + d.id] >= d.received, d.id);
    t.is(d.lost, 0, d.id);
  }
  t.regex(r.stderr, /^sim-1\s+temp\/sim-1\s+-?\d+\.\d$/m);
});

test('50 devices at QoS 1 on mosquitto, shared temp topic, links cut about every second: nothing lost', async (t) => {
  const broker = await startMosquitto();
  try {
    const r = await run(
      ['--broker', broker.url, '--devices', '50', '--qos', '1', '--drop-every', '1', '--duration', '10',
        '--interval', '500', '--json'],
      90000,
    );
    const s = summaryOf(t, r);
    t.is(r.code, 0, r.stderr);
    t.false(s.embeddedBroker);
    t.deepEqual(s.topics, { readings: 'temp', status: 'temp/status' });
    t.deepEqual(Object.keys(s.receivedOn).sort(), ['temp', 'temp/status']);
    // An external broker does not say who published: counted fleet-wide, and said so.
    t.is(s.attribution, 'fleet');
    t.true(s.notes.some((n: string) => /fleet-wide/.test(n)));
    t.is(s.totals.started, 50);
    t.true(s.faults.cuts >= 50, `the proxy cut ${s.faults.cuts} links`);
    t.true(s.totals.reconnects >= 50, `${s.totals.reconnects} reconnects`);
    t.true(s.totals.expected >= 50 * 5, `${s.totals.expected} readings expected`);
    t.is(s.totals.lost, 0);
    t.true(s.totals.received >= s.totals.expected);
    // (readings taken after the cut-off still arrive, and are not counted)
    t.true(s.receivedOn.temp >= s.totals.received + s.totals.duplicates);
    // Nothing lost fleet-wide means nothing lost by any device; who received what stays unknown.
    for (const d of s.perDevice) t.is(d.lost, 0, d.id);
    t.true(s.perDevice.every((d: { received: unknown }) => d.received === null));
  } finally {
    await broker.close();
  }
});

for (const [args, pattern] of [
  [['--bogus'], /bogus/],
  [['--broker', 'nope://x'], /--broker.*scheme/],
  [['--devices', 'abc'], /--devices.*abc/],
  [['--qos', '2'], /--qos/],
  [['--client', 'bogus'], /--client must be full or lite, not "bogus"/],
  [['--client', 'lite', '--broker', 'tcp://127.0.0.1:1883'], /--broker: LiteClient/],
  [['--devices', '-3'], /--devices must be an integer from 1 to 1000000, not "-3"/],
  [['--interval', '-1.5'], /--interval must be an integer from 10 to 86400000, not "-1.5"/],
  [['--client', 'lite', '--broker', 'ws://127.0.0.1/mqtt'], /LiteClient .* speaks MQTT over TCP only/],
  [['--shard', '2/3'], /--shard needs --broker/],
  [['--shard', '2/3', '--broker', 'mqtt://127.0.0.1'], /--shard needs --per-device-topics/],
  [['--shard', '4/3', '--broker', 'mqtt://127.0.0.1', '--per-device-topics'], /--shard must be i\/n with 1 <= i <= n/],
  [['--no-dashboard', '--dashboard-port', '8080'], /contradict/],
] as [string[], RegExp][]) {
  test(`bad arguments ${args.join(' ')}: one line on stderr, exit 2`, async (t) => {
    const r = await run(args, 10000);
    t.is(r.code, 2);
    t.is(r.stdout, '');
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.regex(r.stderr, pattern);
  });
}

test('--shard 2/3 of 10 devices: this process runs sim-5 … sim-7 and counts only them', async (t) => {
  const broker = await startMosquitto();
  try {
    const r = await run(['--broker', broker.url, '--devices', '10', '--shard', '2/3', '--per-device-topics', '--interval', '300',
      '--duration', '2', '--no-dashboard', '--json'], 30000);
    const s = summaryOf(t, r);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(s.shard, { index: 2, count: 3, firstId: 'sim-5', lastId: 'sim-7' });
    t.deepEqual(s.perDevice.map((d: { id: string }) => d.id), ['sim-5', 'sim-6', 'sim-7']);
    t.is(s.totals.lost, 0);
    t.regex(r.stderr, /3 device\(s\) \(shard 2\/3 of 10: sim-5 … sim-7\)/);
  } finally {
    await broker.close();
  }
});
