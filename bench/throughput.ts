// Part 3: Node.js throughput and latency against one spawned mosquitto — ours vs MQTT.js vs
// mosquitto_pub (C), all in the same run, same broker, same 16-byte payload on `temp`.
import mqtt from 'mqtt';
import { startBenchMosquitto, type Broker } from './broker.js';
import { Helper } from './child-ipc.js';
import { clientOnly, CO_N0, CO_N1, type ClientOnly } from './client-only.js';
import { LITE, LITE_LABEL } from './lite.js';
import { clientFactory, connectOurs, platformModule } from './ours.js';
import { fmt, median, percentile, ratio, type Table, type Target } from './report.js';
import { BATCH, mosquittoPub, mqttjs, now, ours, PACKET0, PAYLOAD, RUN_TIMEOUT, TOPIC, WINDOW, type Side } from './sides.js';
import type { PartBody } from './index.js';

const N0 = 50000, N1 = 20000, REPS = 5;
const LAT_WARM = 200, LAT_N = 2000;

/** CPU (user + system) per message of the last timed() run, in µs: of this process (the
 * publishing client alone — the subscriber runs in its own process) and of the subscriber. */
let lastCpuPerMsg = NaN, lastSubCpuPerMsg = NaN;

async function timed(sub: Helper, n: number, publish: () => Promise<void>): Promise<number> {
  await new Promise((r) => setTimeout(r, 50));   // stragglers of the previous run
  sub.send({ cmd: 'arm', bytes: n * PACKET0, timeoutMs: RUN_TIMEOUT });
  await sub.next('armed', 5000);
  const arrived = sub.next('done', RUN_TIMEOUT + 1000);
  arrived.catch(() => undefined);
  const c0 = process.cpuUsage();
  const t0 = now();
  await publish();
  const d = await arrived;
  const t1 = now();
  const c = process.cpuUsage(c0);
  lastCpuPerMsg = (c.user + c.system) / n;
  lastSubCpuPerMsg = (d.cpuUs as number) / n;
  return n / ((t1 - t0) / 1000);
}

interface Latency { p50: number; p99: number }

async function latencyOurs(port: number, make: Awaited<ReturnType<typeof clientFactory>>): Promise<Latency> {
  const pub = make({ host: '127.0.0.1', port: port, clientId: 'bench-lat-pub-' + process.pid });
  const sub = make({ host: '127.0.0.1', port: port, clientId: 'bench-lat-sub-' + process.pid });
  await connectOurs(pub, 5000); await connectOurs(sub, 5000);
  const samples: number[] = [];
  await new Promise<void>((resolve, reject) => {
    let t0 = 0, got = 0;
    const t = setTimeout(() => reject(new Error('ours latency: ' + got + ' of ' + (LAT_WARM + LAT_N))), RUN_TIMEOUT);
    const send = (): void => { t0 = now(); pub.publish('lat', PAYLOAD, 0); };
    sub.subscribe('lat', 0, () => {
      const dt = now() - t0;
      got++;
      if (got > LAT_WARM) samples.push(dt);
      if (got === LAT_WARM + LAT_N) { clearTimeout(t); resolve(); } else send();
    });
    // the SUBACK has no callback of its own in the contract: a short wait covers it on loopback
    setTimeout(send, 200);
  });
  pub.end(); sub.end();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function latencyMqttjs(port: number): Promise<Latency> {
  const opts = { host: '127.0.0.1', port: port, reconnectPeriod: 0 };
  const pub = mqtt.connect(Object.assign({ clientId: 'bench-lat-jpub-' + process.pid }, opts));
  const sub = mqtt.connect(Object.assign({ clientId: 'bench-lat-jsub-' + process.pid }, opts));
  await Promise.all([pub, sub].map((c) => new Promise((r) => c.once('connect', r))));
  await new Promise<void>((r, j) => sub.subscribe('lat', { qos: 0 }, (e) => (e ? j(e) : r())));
  const samples: number[] = [];
  await new Promise<void>((resolve, reject) => {
    let t0 = 0, got = 0;
    const t = setTimeout(() => reject(new Error('MQTT.js latency: ' + got)), RUN_TIMEOUT);
    const send = (): void => { t0 = now(); pub.publish('lat', PAYLOAD, { qos: 0 }); };
    sub.on('message', () => {
      const dt = now() - t0;
      got++;
      if (got > LAT_WARM) samples.push(dt);
      if (got === LAT_WARM + LAT_N) { clearTimeout(t); resolve(); } else send();
    });
    send();
  });
  await Promise.all([pub, sub].map((c) => new Promise<void>((r) => c.end(false, {}, () => r()))));
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export async function run(): Promise<PartBody> {
  const notes: string[] = [];
  const make = await clientFactory();
  let broker: Broker | null = null;
  let sub: Helper | null = null;
  const sides: Side[] = [];
  const keys = ['ours', 'MQTT.js', 'mosquitto_pub', LITE];
  const fresh = (): Record<string, number[]> => ({ ours: [], 'MQTT.js': [], mosquitto_pub: [] });
  const r0 = fresh(), r1 = fresh(), cpu0 = fresh(), cpu1 = fresh(), sc0 = fresh(), sc1 = fresh();
  let latO: Latency[] = [], latJ: Latency[] = [];
  // client-only first: it is the one the target is judged on
  const co: ClientOnly = await clientOnly(make, REPS);
  try {
    broker = await startBenchMosquitto();
    const port = broker.port;
    sub = Helper.start('subscriber-child.js');
    sub.send({ cmd: 'open', port: port, topic: TOPIC });
    await sub.next('open', 10000);
    sides.push(await ours(port, make), await mqttjs(port));
    // warm-up: JIT, socket buffers, broker
    for (const s of sides) { await timed(sub, 5000, () => s.qos0(5000)); await timed(sub, 2000, () => s.qos1(2000)); }
    await timed(sub, 5000, () => mosquittoPub(port, 5000, 0));
    for (let rep = 0; rep < REPS; rep++) {
      for (const s of sides) { r0[s.name].push(await timed(sub, N0, () => s.qos0(N0))); cpu0[s.name].push(lastCpuPerMsg); sc0[s.name].push(lastSubCpuPerMsg); }
      r0.mosquitto_pub.push(await timed(sub, N0, () => mosquittoPub(port, N0, 0))); cpu0.mosquitto_pub.push(lastCpuPerMsg); sc0.mosquitto_pub.push(lastSubCpuPerMsg);
      for (const s of sides) { r1[s.name].push(await timed(sub, N1, () => s.qos1(N1))); cpu1[s.name].push(lastCpuPerMsg); sc1[s.name].push(lastSubCpuPerMsg); }
      r1.mosquitto_pub.push(await timed(sub, N1, () => mosquittoPub(port, N1, 1))); cpu1.mosquitto_pub.push(lastCpuPerMsg); sc1.mosquitto_pub.push(lastSubCpuPerMsg);
    }
    for (let rep = 0; rep < REPS; rep++) {
      latO.push(await latencyOurs(port, make));
      latJ.push(await latencyMqttjs(port));
    }
  } finally {
    for (const s of sides) await s.close().catch(() => undefined);
    if (sub) await sub.stop();
    if (broker) await broker.close();
  }
  const med = (r: Record<string, number[]>): Record<string, number> => {
    const o: Record<string, number> = {};
    for (const k of keys) o[k] = median(r[k] || []);
    return o;
  };
  const runs = (xs: number[] | undefined, d?: number): string => (xs || []).map((x) => fmt(x, d === undefined ? 0 : d)).join(', ');
  // One row of a msg/s table (client only and end to end share the layout), and of a CPU table:
  // m/k are medians per side, u the other process's cost (fake broker or subscriber) per side.
  type PerSide = Record<string, number>;
  const rateRow = (label: string, m: PerSide): string[] =>
    [label, fmt(m.ours, 0), fmt(m['MQTT.js'], 0), fmt(m.mosquitto_pub, 0), ratio(m.ours, m['MQTT.js']), ratio(m.ours, m.mosquitto_pub)];
  const cpuRow = (label: string, k: PerSide, u: PerSide, d: number): string[] =>
    [label, fmt(k.ours, d), fmt(k['MQTT.js'], d), ratio(k['MQTT.js'], k.ours), fmt(u.ours, d), fmt(u['MQTT.js'], d), fmt(u.mosquitto_pub, d)];

  // client-only
  const q0 = med(co.rate0), q1 = med(co.rate1), k0 = med(co.cpu0), k1 = med(co.cpu1), s0 = med(co.srv0), s1 = med(co.srv1);
  const coTput: Table = {
    title: 'Client only — publishes per second into a fake broker that only counts (QoS 1: answers PUBACK), median of ' + REPS + '. The QoS 0 target is judged on this table.',
    headers: ['QoS', 'ours msg/s', 'MQTT.js msg/s', 'mosquitto_pub msg/s', 'ours / MQTT.js', 'ours / mosquitto_pub'],
    rows: [
      rateRow('0 (' + fmt(CO_N0, 0) + ' msgs)', q0),
      rateRow('1 (' + fmt(CO_N1, 0) + ' msgs, window ' + WINDOW + ')', q1),
    ],
  };
  const coCpu: Table = {
    title: 'Client only — CPU per message (µs, median): the client (bench process) and, separately, the fake broker (its own process)',
    headers: ['QoS', 'ours', 'MQTT.js', 'MQTT.js / ours', 'fake broker, ours runs', 'fake broker, MQTT.js runs', 'fake broker, mosquitto_pub runs'],
    rows: [cpuRow('0', k0, s0, 3), cpuRow('1', k1, s1, 3)],
  };
  const coAll: Table = {
    title: 'Client only — every run',
    headers: ['run', 'ours', 'MQTT.js', 'mosquitto_pub', LITE],
    rows: [['QoS 0 msg/s', runs(co.rate0.ours), runs(co.rate0['MQTT.js']), runs(co.rate0.mosquitto_pub), runs(co.rate0[LITE])],
      ['QoS 1 msg/s', runs(co.rate1.ours), runs(co.rate1['MQTT.js']), runs(co.rate1.mosquitto_pub), runs(co.rate1[LITE])],
      ['QoS 0 client µs/msg', runs(co.cpu0.ours, 3), runs(co.cpu0['MQTT.js'], 3), '', runs(co.cpu0[LITE], 3)],
      ['QoS 1 client µs/msg', runs(co.cpu1.ours, 3), runs(co.cpu1['MQTT.js'], 3), '', runs(co.cpu1[LITE], 3)]],
  };
  // The lite client ran client-only, in the same rounds as the others: one row per client.
  const coClients: Table = {
    title: 'Client only — each client side by side, including ' + LITE_LABEL + ' (median of ' + REPS + '; information, the targets judge "ours", the core MqttClient)',
    headers: ['client', 'QoS 0 msg/s', 'QoS 0 client µs/msg', 'QoS 1 msg/s', 'QoS 1 client µs/msg', 'QoS 0 msg/s vs MQTT.js', 'QoS 0 msg/s vs ours'],
    rows: [['mcu-mqtt MqttClient (core, "ours") on Node', 'ours'], [LITE_LABEL, LITE], ['MQTT.js', 'MQTT.js'], ['mosquitto_pub (C)', 'mosquitto_pub']].map((x) =>
      [x[0], fmt(q0[x[1]], 0), fmt(k0[x[1]], 3), fmt(q1[x[1]], 0), fmt(k1[x[1]], 3), ratio(q0[x[1]], q0['MQTT.js']), ratio(q0[x[1]], q0.ours)]),
  };

  // end to end
  const m0 = med(r0), m1 = med(r1), c0 = med(cpu0), c1 = med(cpu1), u0 = med(sc0), u1 = med(sc1);
  const cpu: Table = {
    title: 'End to end — CPU per message (µs, median): the publishing client (bench process alone; the subscriber runs in its own process) and the raw subscriber',
    headers: ['QoS', 'ours', 'MQTT.js', 'MQTT.js / ours', 'subscriber, ours runs', 'subscriber, MQTT.js runs', 'subscriber, mosquitto_pub runs'],
    rows: [cpuRow('0', c0, u0, 2), cpuRow('1', c1, u1, 2)],
  };
  const lat = (ls: Latency[], k: 'p50' | 'p99'): number => median(ls.map((l) => l[k]));
  const tput: Table = {
    title: 'End to end through mosquitto — publishes per second (median of ' + REPS + '); capped by the broker and subscriber, so not used for the target',
    headers: ['QoS', 'ours msg/s', 'MQTT.js msg/s', 'mosquitto_pub msg/s', 'ours / MQTT.js', 'ours / mosquitto_pub'],
    rows: [
      rateRow('0 (' + fmt(N0, 0) + ' msgs)', m0),
      rateRow('1 (' + fmt(N1, 0) + ' msgs, window ' + WINDOW + ')', m1),
    ],
  };
  const all: Table = {
    title: 'End to end — every run (msg/s)',
    headers: ['run', 'ours', 'MQTT.js', 'mosquitto_pub'],
    rows: [['QoS 0', runs(r0.ours), runs(r0['MQTT.js']), runs(r0.mosquitto_pub)], ['QoS 1', runs(r1.ours), runs(r1['MQTT.js']), runs(r1.mosquitto_pub)]],
  };
  const latency: Table = {
    title: 'Round trip publish → subscriber, QoS 0, one message at a time (ms, median of ' + REPS + ' runs of ' + LAT_N + ')',
    headers: ['', 'ours', 'MQTT.js', 'ours / MQTT.js'],
    rows: [['p50', fmt(lat(latO, 'p50'), 3), fmt(lat(latJ, 'p50'), 3), ratio(lat(latO, 'p50'), lat(latJ, 'p50'))],
      ['p99', fmt(lat(latO, 'p99'), 3), fmt(lat(latJ, 'p99'), 3), ratio(lat(latO, 'p99'), lat(latJ, 'p99'))]],
  };
  const met3 = q0.ours >= 3 * q0['MQTT.js'], met50 = q0.ours >= 0.5 * q0.mosquitto_pub;
  notes.push('**Which number the QoS 0 targets use.** The client-only run (fake broker) — there the client is the only thing working in the bench process and nothing downstream caps it: ours ' + fmt(q0.ours, 0) + ' msg/s vs MQTT.js ' + fmt(q0['MQTT.js'], 0) + ' msg/s (' + ratio(q0.ours, q0['MQTT.js']) + '), and ' + fmt(k0.ours, 3) + ' vs ' + fmt(k0['MQTT.js'], 3) + ' µs of client CPU per message (' + ratio(k0['MQTT.js'], k0.ours) + '). ' +
    'End to end through mosquitto the same clients measure ' + ratio(m0.ours, m0['MQTT.js']) + ': there every side runs into the broker and the subscriber (mosquitto_pub, in C, reaches ' + fmt(m0.mosquitto_pub, 0) + ' msg/s there vs ' + fmt(q0.mosquitto_pub, 0) + ' msg/s client-only), so that ratio says how much faster the whole pipeline gets, not how fast the client is.');
  notes.push('**What limits ours now.** host-sim/node-platform.ts coalesces the packets of one event-loop turn into one `socket.write`, so the per-packet `socket.write` that used to dominate (`writeBuffer`, ~40 % of a CPU profile before) is gone; at ' + fmt(k0.ours, 3) + ' µs per QoS 0 message what remains is, by construction, the library\'s own work per publish (session, encoder, the copy into the pending write) plus one write per turn of 1 000 messages (not re-profiled in this run). ' +
    (met3 ? '' : 'The 3× target is missed client-only: ' + ratio(q0.ours, q0['MQTT.js']) + '. ') +
    'QoS 1 client-only also waits on round trips to the fake broker (at most ' + WINDOW + ' unacknowledged, a process switch per window on 2 shared cores), so its msg/s is noisier than QoS 0 (see every run) and its msg/s ratio (' + ratio(q1.ours, q1['MQTT.js']) + ') need not match its CPU ratio (' + ratio(k1['MQTT.js'], k1.ours) + ').');
  notes.push('**' + LITE_LABEL + '** (information, no target judges it): client-only QoS 0 ' + fmt(q0[LITE], 0) + ' msg/s (' + ratio(q0[LITE], q0['MQTT.js']) + ' of MQTT.js, ' + ratio(q0[LITE], q0.ours) + ' of ours) at ' + fmt(k0[LITE], 3) + ' µs of client CPU per message; QoS 1 ' + fmt(q1[LITE], 0) + ' msg/s at ' + fmt(k1[LITE], 3) + ' µs. ' +
    'It builds each packet as a string; its Node platform (host-sim/node-lite-platform.ts) joins one event-loop turn\'s packets into one `socket.write`, as the core client\'s platform does. So on Node the two are of the same order (the table above): the core client\'s fixed buffers and zero-allocation paths pay off on XS (0 heap slots per publish), while V8 makes LiteClient\'s short-lived strings cheap.');
  const targets: Target[] = [
    { name: 'Node QoS 0 throughput vs MQTT.js — judged client-only (fake counting broker); end to end via mosquitto shown for reference', target: '≥ 3×',
      measured: ratio(q0.ours, q0['MQTT.js']) + ' client-only (end to end, broker-capped: ' + ratio(m0.ours, m0['MQTT.js']) + ')', met: met3 },
    { name: 'Node QoS 0 throughput vs mosquitto_pub — judged client-only; end to end shown for reference', target: '≥ 50 %',
      measured: fmt((100 * q0.ours) / q0.mosquitto_pub, 0) + ' % client-only (end to end: ' + fmt((100 * m0.ours) / m0.mosquitto_pub, 0) + ' %)', met: met50 },
  ];
  return {
    title: '3. Node.js throughput and latency',
    method: [
      '- **Client only** (judges the targets): a fake broker in a child process (bench/fake-broker-child.ts) answers CONNECT with CONNACK and then, for QoS 0, only counts bytes; for QoS 1 it walks each packet\'s fixed header, remaining length and packet id and answers PUBACK (one write per received chunk). Each run uses a fresh connection; the clock starts after CONNACK and stops when the fake broker reports (over IPC) that it counted all ' + fmt(CO_N0, 0) + ' QoS 0 PUBLISHes (24 bytes each), or at the last PUBACK of ' + fmt(CO_N1, 0) + ' QoS 1 publishes (window ' + WINDOW + '). Publishing is the same as end to end: ' + BATCH + ' per event-loop turn for QoS 0. CPU per message: `process.cpuUsage()` of the bench process (only the client runs in it) and, reported separately, of the fake broker process. mosquitto_pub is run the same way (`-l`, N lines on stdin; its time includes process start). Warm-up first, then ' + REPS + ' rounds rotating which JS client goes first; median shown.',
      '- **' + LITE_LABEL + '** (src/lite/client.ts on host-sim/node-lite-platform.ts, default buffers but outbox 8 KB and maxInflight ' + WINDOW + ' like ours) runs client-only only, in the same rounds and rotation as the other two JS clients, driven the same way (' + BATCH + ' QoS 0 publishes per turn; QoS 1 at most ' + WINDOW + ' unacknowledged). It has no per-PUBACK callback, so its QoS 1 side counts the bytes coming back (only 4-byte PUBACKs arrive during a run). It is not in the end-to-end and latency runs.',
      '- **End to end**: one mosquitto (spawned with a generated config on a free 127.0.0.1 port, queue limits lifted so no message is dropped) serves every side in the same run.',
      '- QoS 0: ' + fmt(N0, 0) + ' publishes of 16 bytes on `temp`, handed over in batches of ' + BATCH + ' per event-loop turn (ours retries when its transmit buffer is full). The clock stops when a bare-socket QoS 0 subscriber — in its own child process (bench/subscriber-child.ts) — has received every message.',
      '- QoS 1: ' + fmt(N1, 0) + ' publishes with at most ' + WINDOW + ' unacknowledged (libmosquitto\'s default window, so all three sides use the same); the clock stops at the last PUBACK and the last message at the subscriber.',
      '- mosquitto_pub: `mosquitto_pub -l -t temp -q Q` fed N lines on stdin (16 bytes + newline each); the time includes its process start and connect (a few ms).',
      '- CPU per message: `process.cpuUsage()` of the bench process over each timed run, divided by N — the publishing client alone, since the subscriber runs in its own process (whose CPU is reported next to it).',
      '- Warm-up runs first (5 000 QoS 0 and 2 000 QoS 1 per side); then ' + REPS + ' rounds, each side once per round; median shown.',
      '- Our client runs on ' + platformModule + ' (which writes once per event-loop turn).',
      '- The machine is shared (2 cores, other jobs running while this ran), so rates drift from run to run — the "every run" tables show the spread.',
      '- Latency: two clients of the same library (ours: two MqttClients; theirs: two MQTT.js clients) — publish one message on `lat`, wait for it at the subscriber, publish the next; ' + LAT_WARM + ' warm-up then ' + LAT_N + ' samples; p50/p99 per run, median of ' + REPS + ' runs.',
    ],
    tables: [coTput, coCpu, coClients, coAll, tput, cpu, latency, all],
    targets: targets,
    notes: notes,
  };
}
