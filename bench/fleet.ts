// Part 5: what an idle connected client costs in memory (ours vs MQTT.js, each in a fresh child
// process), and the largest fleet host-sim keeps healthy with every device publishing every 10 s.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import { ESP8266_BUFFERS } from '../boards/board.js';
import { startBenchMosquitto, type Broker } from './broker.js';
import { LITE_LABEL } from './lite.js';
import { fmt, ratio, type Table, type Target } from './report.js';
import type { PartBody } from './index.js';

const CLIENTS = 1000;
const LADDER = [5000, 10000];
const SIM_SECONDS = 30;
const here = path.dirname(fileURLToPath(import.meta.url));

interface Mem { heapUsed: number; external: number; arrayBuffers: number; rss: number }
interface ChildResult { lib: string; n: number; before: Mem; after: Mem; clients: number; error?: string }

function runNode(args: string[], timeoutMs: number): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout!.on('data', (d) => { out += d; });
    p.stderr!.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => { clearTimeout(t); resolve({ out: out, err: err, code: code }); });
  });
}

async function idleCost(lib: string, port: number): Promise<ChildResult> {
  const r = await runNode(['--expose-gc', path.join(here, 'fleet-child.js'), lib, String(CLIENTS), String(port)], 120000);
  const line = r.out.trim().split('\n').pop() || '';
  try {
    const j = JSON.parse(line) as ChildResult;
    if (j.error) throw new Error(j.error);
    return j;
  } catch (e) {
    throw new Error(lib + ' fleet child failed: ' + String((e as Error).message || e).split('\n')[0] + ' ' + r.err.slice(0, 300));
  }
}

interface SimResult { devices: number; ok: boolean; why: string; rssPerDevice: number; heapPerDevice: number; cpu: number; published: number; lost: number | null }

async function hostSim(url: string, devices: number): Promise<SimResult> {
  const cli = path.resolve('build', 'host-sim', 'cli.js');
  const ramp = Math.max(200, Math.ceil(devices / 5));   // everyone connected within ~5 s of 30
  const r = await runNode([cli, '--broker', url, '--devices', String(devices), '--interval', '10000', '--duration', String(SIM_SECONDS),
    '--json', '--quiet', '--ramp', String(ramp)], (SIM_SECONDS + 60) * 1000);
  let s: Record<string, any>;
  try { s = JSON.parse(r.out); }
  catch (e) { return { devices: devices, ok: false, why: 'no JSON summary (exit ' + r.code + '): ' + r.err.trim().split('\n').slice(-2).join(' / '), rssPerDevice: NaN, heapPerDevice: NaN, cpu: NaN, published: 0, lost: null }; }
  const t = s.totals || {};
  const problems: string[] = [];
  if (t.started !== devices) problems.push(t.started + ' of ' + devices + ' started');
  if (t.reconnects) problems.push(t.reconnects + ' reconnects');
  if (t.dropped) problems.push(t.dropped + ' dropped');
  if (t.lost) problems.push(t.lost + ' lost');
  if (t.published < devices * 2) problems.push('only ' + t.published + ' readings published');
  if (s.limit) problems.push('limit: ' + JSON.stringify(s.limit));
  return { devices: devices, ok: problems.length === 0, why: problems.join(', '), rssPerDevice: s.memory ? s.memory.rssPerDevice : NaN,
    heapPerDevice: s.memory ? s.memory.heapPerDevice : NaN, cpu: s.cpu ? s.cpu.percentOfOneCore : NaN, published: t.published, lost: t.lost };
}

export async function run(): Promise<PartBody> {
  const notes: string[] = [];
  const tables: Table[] = [];
  const targets: Target[] = [];
  let broker: Broker | null = null;
  let ulimit = 'unknown';
  try { ulimit = execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim(); } catch (e) { /* reported as unknown */ }
  const sims: SimResult[] = [];
  try {
    broker = await startBenchMosquitto();
    const ours = await idleCost('ours', broker.port);
    const theirs = await idleCost('mqttjs', broker.port);
    const floor = await idleCost('raw', broker.port);
    const small = await idleCost('ours-esp8266', broker.port);
    const lite = await idleCost('lite', broker.port);
    const per = (r: ChildResult, k: keyof Mem): number => (r.after[k] - r.before[k]) / r.n;
    const js = (r: ChildResult): number => per(r, 'heapUsed') + per(r, 'arrayBuffers');
    tables.push({
      title: 'Per idle connected client, ' + fmt(CLIENTS, 0) + ' clients in one fresh process (bytes)',
      headers: ['', 'ours (default buffers; the target uses this)', 'MQTT.js', 'ours / MQTT.js', 'ours, ESP8266 buffers', 'ours ESP8266 / MQTT.js', 'bare socket (floor)', 'ours above floor / MQTT.js above floor'],
      rows: ([['V8 heap (heapUsed)', 'heapUsed'], ['ArrayBuffers (our fixed buffers live here)', 'arrayBuffers'], ['RSS', 'rss']] as [string, keyof Mem][]).map((x) => {
        const o = per(ours, x[1]), t = per(theirs, x[1]), f = per(floor, x[1]), e = per(small, x[1]);
        return [x[0], fmt(o, 0), fmt(t, 0), ratio(o, t), fmt(e, 0), ratio(e, t), fmt(f, 0), ratio(o - f, t - f)];
      }).concat([['heap + ArrayBuffers', fmt(js(ours), 0), fmt(js(theirs), 0), ratio(js(ours), js(theirs)), fmt(js(small), 0), ratio(js(small), js(theirs)), fmt(js(floor), 0), ratio(js(ours) - js(floor), js(theirs) - js(floor))]]),
    });
    // Every client as a row, the lite one included; information only, the targets stay on `ours`.
    tables.push({
      title: 'Per idle connected client, each client side by side (bytes; same runs as above)',
      headers: ['client', 'heap + ArrayBuffers', 'RSS', 'heap + ArrayBuffers / MQTT.js', 'RSS / MQTT.js'],
      rows: ([['mcu-mqtt MqttClient (core), default buffers — the targets use this', ours], ['mcu-mqtt MqttClient (core), ESP8266 buffers', small],
        [LITE_LABEL + ', default options', lite], ['MQTT.js', theirs], ['bare socket (floor)', floor]] as [string, ChildResult][]).map((x) =>
        [x[0], fmt(js(x[1]), 0), fmt(per(x[1], 'rss'), 0), ratio(js(x[1]), js(theirs)), ratio(per(x[1], 'rss'), per(theirs, 'rss'))]),
    });
    notes.push('**' + LITE_LABEL + '** (information, not judged by the targets): heap + ArrayBuffers ' + fmt(js(lite), 0) + ' B per idle client (' + ratio(js(lite), js(theirs)) + ' of MQTT.js; core client ' + ratio(js(ours), js(theirs)) + '), RSS ' + fmt(per(lite, 'rss'), 0) + ' B (' + ratio(per(lite, 'rss'), per(theirs, 'rss')) + '). It preallocates nothing (buffer sizes are only limits), so its idle cost is its closures and state plus the socket.');
    notes.push('**Which row the target uses.** The memory targets are judged on our client with its default buffer sizes (receive 1 KB, transmit 512 B, outbox 4 KB, maxInflight 8). The "ESP8266 buffers" column is the same client with boards/board.ts ESP8266_BUFFERS (receive ' + ESP8266_BUFFERS.receiveBufferSize + ' B, transmit ' + ESP8266_BUFFERS.transmitBufferSize + ' B, outbox ' + ESP8266_BUFFERS.outboxSize + ' B, maxInflight ' + ESP8266_BUFFERS.maxInflight + '), shown because the fixed buffers are a large share of our per-client memory (ArrayBuffers ' + fmt(per(ours, 'arrayBuffers'), 0) + ' of ' + fmt(js(ours), 0) + ' B with the defaults): heap + ArrayBuffers ' + fmt(js(small), 0) + ' B vs ' + fmt(js(ours), 0) + ' B with the defaults (' + ratio(js(small), js(theirs)) + ' of MQTT.js).');
    targets.push({ name: 'memory per idle client vs MQTT.js (heap + ArrayBuffers)', target: '≤ 1/10 (0.10×)', measured: ratio(js(ours), js(theirs)), met: js(ours) <= js(theirs) / 10 });
    targets.push({ name: 'memory per idle client vs MQTT.js (RSS)', target: '≤ 1/10 (0.10×)', measured: ratio(per(ours, 'rss'), per(theirs, 'rss')), met: per(ours, 'rss') <= per(theirs, 'rss') / 10 });

    if (js(ours) > js(theirs) / 10) {
      notes.push('**Why memory per client is not 1/10 of MQTT.js.** (1) The floor: a bare connected `net.Socket` alone costs ' + fmt(per(floor, 'rss'), 0) + ' B of RSS here, ' + fmt(100 * per(floor, 'rss') / per(theirs, 'rss'), 0) + ' % of MQTT.js\'s whole client, so 1/10 of RSS cannot be reached on Node with one socket per client. ' +
        '(2) Our fixed buffers are most of the rest: the defaults (receive 1 KB + transmit 512 B + outbox 4 KB = 5.6 KB) show up as ArrayBuffers. (3) Measured separately (bench author, `new MqttClient` ×1 000 without connecting): ~9.6 KB per client with default buffers, ~4.5 KB with 256 B/128 B/256 B buffers, of which the Session object graph alone is ~3 KB of V8 heap (typed arrays cost ~100+ B of heap each in V8 besides their bytes, and the in-flight table, outbox and stats are separate objects). ' +
        'What would move it: host-sim devices could use small buffers sized to a temperature reading (outboxSize 256–512 B); the session could keep its small tables in one shared Uint8Array/Uint16Array; the Node platform could share one write buffer per process instead of a Buffer per write.');
    }
    if (!fs.existsSync(path.resolve('build', 'host-sim', 'cli.js'))) {
      notes.push('Largest host-sim fleet: not measured — build/host-sim/cli.js does not exist.');
    } else {
      for (const n of LADDER) {
        const r = await hostSim(broker.url, n);
        sims.push(r);
        if (!r.ok) break;
      }
      tables.push({
        title: 'host-sim against the same mosquitto: every device publishes a QoS 1 reading every 10 s for ' + SIM_SECONDS + ' s',
        headers: ['devices', 'healthy', 'readings published', 'RSS / device (B)', 'heap / device (B)', 'CPU (% of one core)', 'problems'],
        rows: sims.map((s) => [fmt(s.devices, 0), s.ok ? 'yes' : 'no', fmt(s.published, 0), fmt(s.rssPerDevice, 0), fmt(s.heapPerDevice, 0), fmt(s.cpu, 1), s.why || '—']),
      });
      const best = sims.filter((s) => s.ok).pop();
      notes.push('Largest fleet held: ' + (best ? fmt(best.devices, 0) + ' devices' + (best.devices === LADDER[LADDER.length - 1] ? ' — the largest size tried, so the limit may be higher; larger runs were not tried to keep `npm run bench` within 5 minutes and within `ulimit -n` ' + ulimit + ' (one descriptor per device in host-sim and one in mosquitto)' : '') : 'none of the sizes tried') + '.');
    }
  } finally {
    if (broker) await broker.close();
  }
  return {
    title: '5. Fleet memory and scale',
    method: [
      '- Idle cost: for each library a fresh `node --expose-gc` child (bench/fleet-child.ts) loads the library, collects garbage, records `process.memoryUsage()`, connects ' + fmt(CLIENTS, 0) + ' clients (waves of 50, keepalive 600 s) to one spawned mosquitto, waits 1 s idle, collects again and records again; per client = difference / ' + fmt(CLIENTS, 0) + '. ' + LITE_LABEL + ' (src/lite/client.ts on host-sim/node-lite-platform.ts) is measured the same way with its default options. Ours runs on host-sim\'s Node platform twice: with the default buffer sizes (receive 1 KB, transmit 512 B, outbox 4 KB — the targets use this) and with the ESP8266 board\'s (boards/board.ts ESP8266_BUFFERS). Both include Node\'s own socket objects, which cost the same for either library; the "bare socket" column is that floor, measured the same way with a plain `net.Socket` that sends CONNECT and gets CONNACK.',
      '- `ulimit -n` here: ' + ulimit + ' (nothing raised; ' + fmt(CLIENTS, 0) + ' sockets fit).',
      '- Largest fleet: `node build/host-sim/cli.js --broker <the spawned mosquitto> --devices N --interval 10000 --duration ' + SIM_SECONDS + ' --json --quiet --ramp N/5` for N in ' + LADDER.join(', ') + ', stopping at the first unhealthy run. Healthy = every device started, no reconnects, nothing dropped or lost, and at least two readings per device published. Bounded to keep `npm run bench` under 5 minutes.',
    ],
    tables: tables,
    targets: targets,
    notes: notes,
  };
}
