// Part 6: the client on the real Moddable XS, side by side with the two MQTT clients of the
// Moddable SDK. Each client runs in its own instrumented app (bench/moddable-apps/<name>), built
// with `mcconfig -m -i -p lin` and run in the SDK's desktop simulator (mcsim, under Xvfb) against
// one mosquitto spawned for the run; the shared harness (bench/moddable-apps/harness.js) drives
// every client the same way and prints the XS heap figures that this file tabulates.
// Without the SDK (MODDABLE unset, tools not built) the part records why it skipped.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { ESP8266_BUFFERS } from '../boards/board.js';
import { buildModdable } from '../scripts/build/moddable.js';
import { distModdable, root } from '../scripts/build/paths.js';
import { findSdk, mcconfig, runSim, xsbSizes, type Sdk } from '../scripts/moddable-sdk.js';
import { startBenchMosquitto, type Broker } from './broker.js';
import { fmt, type Table, type Target } from './report.js';
import type { PartBody } from './index.js';

const TITLE = '6. Real Moddable XS (mcsim)';
const APPS_DIR = path.join(root, 'bench', 'moddable-apps');
const OUT = path.join(root, '.tmp', 'moddable-bench');
const PUBLISHES = 1000; // the "live heap after" phase
const SAMPLES = 100;    // publishes (or messages) per garbage measurement
const PACE = 5;         // ms between them, in the app and for the messages sent to it
const SLOT_BYTES = 32;  // a slot on this 64-bit build (16 B on ESP32 and ESP8266)
const TARGETS = { cost: 4096, qos0: 500, qos1: 716, xsb: 19 * 1024 };

interface Client { app: string; label: string; module: string }
const CLIENTS: Client[] = [
  { app: 'ours', label: 'mcu-mqtt MqttClient (ESP8266 buffers)', module: 'mcu-mqtt.xsb' },
  { app: 'sdk-mqtt', label: 'SDK `mqtt` (QoS 0 only)', module: 'mqtt.xsb' },
  { app: 'sdk-419', label: 'SDK ECMA-419 client', module: '~.embedded/network/mqtt/client.xsb' },
];

interface Heap { slot: number; chunk: number }
interface Garbage extends Heap { count: number; acked: number }
interface Run {
  boot?: Heap; connected?: Heap; after?: Heap;
  garbage: Record<string, Garbage>;
  incoming: Record<string, Garbage>;
  marks: Record<string, Heap>;
  errors: string[];
  done: boolean;
}

const total = (h: Heap): number => h.slot + h.chunk;
const bytes = (n: number): string => fmt(n, 0) + ' B';

/** Runs one built app to its "done" line, answering its "send N topic" lines. */
async function runApp(sdk: Sdk, so: string, broker: Broker): Promise<{ r: Run; output: string }> {
  const r: Run = { garbage: {}, incoming: {}, marks: {}, errors: [], done: false };
  const pub = await mqtt.connectAsync(broker.url, { clientId: 'bench-sender-' + process.pid, reconnectPeriod: 0 });
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => { finish = resolve; });
  const sim = runSim(sdk, so, (line) => {
    const f = line.split(' ');
    if (f[0] !== 'BENCH') return;
    const n = f.slice(2).map(Number);
    const heap = { slot: n[0], chunk: n[1] };
    if (f[1] === 'boot') r.boot = heap;
    else if (f[1] === 'connected') r.connected = heap;
    else if (f[1] === 'after') r.after = heap;
    else if (f[1] === 'mark') r.marks[f[2]] = { slot: Number(f[3]), chunk: Number(f[4]) };
    else if (f[1] === 'garbage') r.garbage[f[2]] = { slot: Number(f[3]), chunk: Number(f[4]), count: Number(f[5]), acked: Number(f[6]) };
    else if (f[1] === 'incoming') r.incoming[f[2]] = { slot: Number(f[3]), chunk: Number(f[4]), count: Number(f[5]), acked: 0 };
    else if (f[1] === 'send') {
      let i = 0;
      const count = n[0], topics = f[3].split(',');
      const t = setInterval(() => { pub.publish(topics[i % topics.length], '21.5'); if (++i === count) clearInterval(t); }, PACE);
    } else if (f[1] === 'error') r.errors.push(f.slice(2).join(' '));
    else if (f[1] === 'done') { r.done = true; finish(); }
  });
  const timeout = setTimeout(finish, 120000);
  await Promise.race([finished, sim.exited]);
  clearTimeout(timeout);
  await sim.stop();
  await pub.endAsync();
  return { r: r, output: sim.output() };
}

function perOp(r: Run, name: string): { bytes: number; slot: number; chunk: number; ok: boolean } | null {
  const g = r.garbage[name], idle = r.garbage.idle;
  if (!g || !idle) return null;
  const slot = (g.slot - idle.slot) / g.count, chunk = (g.chunk - idle.chunk) / g.count;
  const ok = name.startsWith('qos1') ? g.acked === g.count : true;
  return { bytes: slot + chunk, slot: slot, chunk: chunk, ok: ok };
}

function cellIn(r: Run, name: string): string {
  const m = r.incoming[name];
  if (!m || m.count <= 0) return 'n/a';
  return fmt((m.slot + m.chunk) / m.count, 0) + ' B' + (m.count === SAMPLES ? '' : ' ⚠ (' + m.count + ' of ' + SAMPLES + ' arrived)');
}

function cellOp(r: Run | null, name: string): string {
  if (!r) return 'n/a';
  const p = perOp(r, name);
  if (!p) return '—';
  return fmt(p.bytes, 0) + ' B' + (p.ok ? '' : ' ⚠');
}

export async function run(): Promise<PartBody> {
  const { sdk, why } = findSdk();
  if (!sdk) {
    return { title: TITLE, method: [], tables: [], targets: [], notes: ['Skipped: ' + why + '.'] };
  }
  await buildModdable(() => {}); // from the sources as they are now: a part run alone must not measure a stale build
  const notes: string[] = [];
  const config = {
    host: '127.0.0.1', publishes: PUBLISHES, samples: SAMPLES,
    receiveBufferSize: ESP8266_BUFFERS.receiveBufferSize, transmitBufferSize: ESP8266_BUFFERS.transmitBufferSize,
    outboxSize: ESP8266_BUFFERS.outboxSize, maxInflight: ESP8266_BUFFERS.maxInflight,
  };
  const broker = await startBenchMosquitto();
  const runs: Record<string, Run | null> = {};
  const xsb: Record<string, Record<string, number>> = {};
  let ourWarnings: string[] = [];
  try {
    const bare = mcconfig(sdk, path.join(APPS_DIR, 'bare', 'manifest.json'), { platform: 'lin', outDir: OUT, instrument: true, config: Object.assign({ port: broker.port, id: 'bare' }, config) });
    xsb.bare = bare.ok ? xsbSizes(bare.tmp) : {};
    if (!bare.ok) notes.push('The bare app did not build: `' + bare.output.trim().split('\n').slice(-3).join(' / ') + '`');
    for (const c of CLIENTS) {
      const id = 'bench-' + c.app + '-' + process.pid;
      const b = mcconfig(sdk, path.join(APPS_DIR, c.app, 'manifest.json'), { platform: 'lin', outDir: OUT, instrument: true, config: Object.assign({ port: broker.port, id: id }, config) });
      if (!b.ok) {
        runs[c.app] = null;
        notes.push(c.label + ' did not build: `' + b.output.trim().split('\n').slice(-3).join(' / ') + '`');
        continue;
      }
      xsb[c.app] = xsbSizes(b.tmp);
      if (c.app === 'ours') ourWarnings = b.warnings.filter((w) => /^### warning: mcu-mqtt/.test(w));
      const { r, output } = await runApp(sdk, b.so, broker);
      runs[c.app] = r;
      if (!r.done) notes.push('⚠ ' + c.label + ' did not finish; its last output: `' + output.trim().split('\n').filter((l) => !l.startsWith('instruments')).slice(-3).join(' / ') + '`');
      if (r.errors.length) notes.push('⚠ ' + c.label + ' reported: ' + r.errors.slice(0, 3).join('; ') + (r.errors.length > 3 ? ' (and ' + (r.errors.length - 3) + ' more)' : ''));
    }
  } finally {
    await broker.close();
  }

  const col = (f: (r: Run) => string): string[] => CLIENTS.map((c) => { const r = runs[c.app]; return r ? f(r) : 'n/a'; });
  const cost = (r: Run): number => (r.connected && r.boot ? total(r.connected) - total(r.boot) : NaN);
  const added = (app: string): [string, number][] => {
    const mine = xsb[app] || {}, base = xsb.bare || {};
    return Object.keys(mine).filter((k) => !(k in base)).sort().map((k): [string, number] => [k, mine[k]]);
  };
  const sum = (xs: [string, number][]): number => xs.reduce((a, x) => a + x[1], 0);
  const main: Table = {
    headers: ['64-bit lin build, bytes of XS heap (slots + chunks)'].concat(CLIENTS.map((c) => c.label)),
    rows: [
      ['client cost: live heap connected minus boot'].concat(col((r) => bytes(cost(r)))),
      ['… the platform object (ours only)'].concat(col((r) => (r.marks.platform && r.boot ? bytes(total(r.marks.platform) - total(r.boot)) : '—'))),
      ['… the client object, created (its buffers included)'].concat(col((r) => {
        const before = r.marks.platform || r.boot;
        return r.marks.client && before ? bytes(total(r.marks.client) - total(before)) : 'n/a';
      })),
      ['… connecting: socket, transport, timers, until 200 ms after CONNACK'].concat(col((r) => (r.connected && r.marks.client ? bytes(total(r.connected) - total(r.marks.client)) : 'n/a'))),
      ['live heap after ' + fmt(PUBLISHES, 0) + ' QoS 0 publishes of "21.5" paced ' + PACE + ' ms (whole app)'].concat(col((r) => (r.after ? bytes(total(r.after)) : 'n/a'))),
      ['… of which grown since connected'].concat(col((r) => (r.after && r.connected ? bytes(total(r.after) - total(r.connected)) : 'n/a'))),
      ['garbage per QoS 0 publish, payload "21.5" as a string'].concat(col((r) => cellOp(r, 'qos0-string'))),
      ['garbage per QoS 0 publish, payload a buffer allocated once'].concat(col((r) => cellOp(r, 'qos0-buffer'))),
      ['garbage per QoS 1 publish + PUBACK, string'].concat(col((r) => cellOp(r, 'qos1-string'))),
      ['garbage per QoS 1 publish + PUBACK, buffer'].concat(col((r) => cellOp(r, 'qos1-buffer'))),
      ['garbage per QoS 0 publish, two topics in turn (`temp`, `humidity`), string'].concat(col((r) => cellOp(r, 'qos0-two-topics'))),
      ['garbage per incoming QoS 0 PUBLISH ("21.5"), one topic, to the handler'].concat(col((r) => cellIn(r, 'one-topic'))),
      ['garbage per incoming QoS 0 PUBLISH, two topics in turn, to a `+` handler'].concat(col((r) => cellIn(r, 'two-topics'))),
      ['.xsb of the client module'].concat(CLIENTS.map((c) => (xsb[c.app] && xsb[c.app][c.module] !== undefined ? bytes(xsb[c.app][c.module]) : 'n/a'))),
      ['.xsb of every module the client adds to an app'].concat(CLIENTS.map((c) => (xsb[c.app] ? bytes(sum(added(c.app))) : 'n/a'))),
    ],
  };
  const split: Table = {
    title: 'The same, slots / chunks (a slot is ' + SLOT_BYTES + ' B here)',
    headers: ['bytes: slots / chunks'].concat(CLIENTS.map((c) => c.label)),
    rows: [
      ['client cost'].concat(col((r) => (r.connected && r.boot ? fmt(r.connected.slot - r.boot.slot, 0) + ' / ' + fmt(r.connected.chunk - r.boot.chunk, 0) : 'n/a'))),
    ].concat(['qos0-string', 'qos0-buffer', 'qos1-string', 'qos1-buffer', 'qos0-two-topics'].map((g) => ['garbage per op, ' + g].concat(col((r) => {
      const p = perOp(r, g);
      return p ? fmt(p.slot, 1) + ' / ' + fmt(p.chunk, 1) : '—';
    })))).concat(['one-topic', 'two-topics'].map((g) => ['garbage per incoming message, ' + g].concat(col((r) => {
      const m = r.incoming[g];
      return m && m.count > 0 ? fmt(m.slot / m.count, 1) + ' / ' + fmt(m.chunk / m.count, 1) : 'n/a';
    })))),
  };
  const modules: Table = {
    title: 'Modules each client adds to the bare harness app (.xsb bytes, lin build; the bytecode is the same for esp and esp32)',
    headers: ['client', 'modules'],
    rows: CLIENTS.map((c) => [c.label, added(c.app).map((x) => x[0].replace(/\.xsb$/, '') + ' ' + fmt(x[1], 0)).join(', ') || 'n/a']),
  };

  const targets: Target[] = [];
  const ours = runs.ours;
  const ourCost = ours ? cost(ours) : NaN;
  targets.push({ name: 'real XS: client cost with ESP8266 buffers (connected minus boot)', target: '≤ 4 096 B', measured: isFinite(ourCost) ? bytes(ourCost) : 'n/a', met: isFinite(ourCost) ? ourCost <= TARGETS.cost : null });
  for (const [g, goal, label] of [['qos0-string', TARGETS.qos0, 'QoS 0 publish'], ['qos1-string', TARGETS.qos1, 'QoS 1 publish + PUBACK']] as const) {
    const p = ours ? perOp(ours, g) : null;
    targets.push({ name: 'real XS: garbage per ' + label + ' ("21.5" as a string)', target: '≤ ' + goal + ' B', measured: p ? fmt(p.bytes, 0) + ' B' : 'n/a', met: p && p.ok ? p.bytes <= goal : null });
  }
  const pb = ours ? [perOp(ours, 'qos0-buffer'), perOp(ours, 'qos1-buffer')] : [];
  targets.push({ name: 'real XS: garbage per publish of a Uint8Array (QoS 0 / QoS 1 + PUBACK)', target: '0 B', measured: pb.length && pb[0] && pb[1] ? fmt(pb[0].bytes, 1) + ' / ' + fmt(pb[1].bytes, 1) + ' B' : 'n/a', met: pb.length && pb[0] && pb[1] ? pb[0].bytes <= 0 && pb[1].bytes <= 0 : null });
  const ourXsb = xsb.ours ? xsb.ours['mcu-mqtt.xsb'] : undefined;
  targets.push({ name: 'mcu-mqtt.xsb', target: '≤ 19 KB (19 456 B)', measured: ourXsb !== undefined ? bytes(ourXsb) : 'n/a', met: ourXsb !== undefined ? ourXsb <= TARGETS.xsb : null });
  targets.push({ name: 'xsl warnings from our modules (`mcconfig -m -p lin`)', target: '0', measured: xsb.ours ? String(ourWarnings.length) : 'n/a', met: xsb.ours ? ourWarnings.length === 0 : null });
  if (ours) {
    const str = perOp(ours, 'qos0-string'), two = perOp(ours, 'qos0-two-topics');
    if (str) notes.push('Ours, per publish of a string: ' + fmt(str.slot, 0) + ' B of slots and ' + fmt(str.chunk, 0) + ' B of chunks — the `{ read, written }` object the engine\'s native `TextEncoder.encodeInto` returns (3 slots here); a Uint8Array payload needs no encoding and allocates nothing. A received message costs the payload view handed to the handler (a typed array view is 4 slots here).');
    const b1 = perOp(ours, 'qos1-buffer');
    if (b1 && b1.bytes > 0) notes.push('Ours, QoS 1 publish of a Uint8Array: ' + fmt(b1.bytes * SAMPLES, 0) + ' B in all over the ' + SAMPLES + ' publishes, not per publish: the adapter reads through a view of exactly the bytes waiting and keeps the views of the last ' + 4 + ' sizes, so a read of a size not seen before costs one view (128 B) and a slot in its list. PUBACKs arriving together make such sizes (a traced build showed reads of 8, 12 and 16 bytes during this phase); once seen, they cost nothing.');
    // Publishing (and receiving) on a few topics in turn is what a device does: the session remembers
    // the last 4 topics published, the decoder and the client the last 4 received with their handlers.
    if (two && str) notes.push('Ours, two topics in turn: ' + fmt(two.bytes, 0) + ' B per publish against ' + fmt(str.bytes, 0) + ' B on one topic. ' +
      'The session remembers the last 4 topics published (validated and encoded once, in its buffer), and the decoder and the client the last 4 received with their matching handlers, so a device cycling through up to 4 topics pays nothing per change. ' +
      'A fifth topic in the cycle costs re-encoding it, and on this XS every `s.charCodeAt(i)` or `s.length` on a string allocates a wrapper object (64 B; 96 B through `String.prototype.charCodeAt.call`).');
  }
  for (const c of CLIENTS) {
    const r = runs[c.app];
    if (r && r.connected && r.marks.client && total(r.connected) < total(r.marks.client)) {
      notes.push(c.label + ': the live heap fell between creating the client and being connected — what the constructor holds until then (for the ECMA-419 client, by its source, the options it deletes once connected and its DNS resolver) is released.');
    }
  }
  notes.push('What the Moddable build does for XS (scripts/build/module-scope.ts): esbuild bundles every top-level `const` as `var`, which xsl reports as "no const" and keeps in RAM, so the build gives them `const` back; and XS copies a string literal evaluated inside a function of a *preloaded* module into a new chunk every time (xsl maps literals to flash only in modules that are not preloaded), so the build hoists such literals to module-level constants.');
  if (ourWarnings.length) notes.push('xsl warned: ' + ourWarnings.slice(0, 5).map((w) => '`' + w + '`').join(', ') + (ourWarnings.length > 5 ? ' …' : ''));

  return {
    title: TITLE,
    method: [
      '- Engine: ' + sdkVersion(sdk) + ' (`$MODDABLE`), apps built with `mcconfig -m -i -p lin` (instrumented release) into ' + path.relative(root, OUT) + '/ and run in its desktop simulator `mcsim` under Xvfb, against one mosquitto spawned on a free port for this part. 64-bit build: an XS slot is ' + SLOT_BYTES + ' B (16 B on ESP32/ESP8266, so slot bytes halve there; chunk bytes do not).',
      '- One app per client, each the shared harness (bench/moddable-apps/harness.js) plus a few lines that drive the client (bench/moddable-apps/<name>/main.js): ours is MqttClient on src/platform/moddable.ts with boards/board.ts ESP8266_BUFFERS (receive ' + ESP8266_BUFFERS.receiveBufferSize + ', transmit ' + ESP8266_BUFFERS.transmitBufferSize + ', outbox ' + ESP8266_BUFFERS.outboxSize + ', ' + ESP8266_BUFFERS.maxInflight + ' in flight); the SDK\'s `mqtt` (modules/network/mqtt, QoS 0 only) and its ECMA-419 client (examples/io/tcp/mqttclient, through `device.network.mqtt`, write options allocated once). Keepalive 60 s for all; each module is preloaded as its manifest says.',
      '- Heap = "XS Slot Heap Used" + "XS Chunk Heap Used" from the Instrumentation module. Read after `Debug.gc()`, from timer callbacks: boot, right before the client is created; after creating the platform (ours) and the client; and connected, 200 ms after its connect callback. Client cost = connected − boot (the client, its socket and timers, its buffers). Then ' + fmt(PUBLISHES, 0) + ' QoS 0 publishes of "21.5" to `temp`, one every ' + PACE + ' ms, and the live heap again.',
      '- Garbage: `Debug.gc()`, then `Debug.gc(false)` (collection off), ' + SAMPLES + ' publishes one every ' + PACE + ' ms plus 40 more ticks for PUBACKs, and the heap growth, which is everything allocated meanwhile (socket callbacks and PUBACK handling included). The same timer loop with no publish ("idle") is subtracted, then divided by ' + SAMPLES + '. The SDK\'s ECMA-419 client takes only buffers, so its string rows include the caller\'s `ArrayBuffer.fromString`. QoS 1 rows are flagged ⚠ if not every PUBACK came back.',
      '- Two topics: the same, with publishes to `temp` and `humidity` in turn (a device reporting two values).',
      '- Incoming: the app subscribes (QoS 0) to `bench/in/<id>` (then to `bench/in/<id>/+`); this part publishes 5 warm-up messages and then ' + SAMPLES + ' of "21.5", one every ' + PACE + ' ms (on `…/kitchen` and `…/hall` in turn for the second), and the app measures the garbage from the first to the last handler call. The SDK\'s ECMA-419 client reads each payload with `read(count)` (its examples\' way).',
      '- .xsb: the compiled modules in the build\'s tmp/…/modules/; "every module the client adds" = those not in the same harness app built without a client (bench/moddable-apps/bare).',
    ],
    tables: [main, split, modules],
    targets: targets,
    notes: notes,
  };
}

function sdkVersion(sdk: Sdk): string {
  try { return 'Moddable SDK ' + fs.readFileSync(path.join(sdk.moddable, 'tools', 'VERSION'), 'utf8').trim(); }
  catch (e) { return 'Moddable SDK, version unknown'; }
}

