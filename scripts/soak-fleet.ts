// One soak fleet, forked by scripts/soak.ts: N devices of one client kind, each publishing a QoS 1
// sequence number to soak/<kind>/<n> every interval. It keeps only counters (nothing per event),
// so its memory is the clients' own; every 5 s it runs a full GC and reports its memory.
//   IPC in:  {ev:'start', kind, devices, url, interval}, {ev:'stop'}, {ev:'end'}
//   IPC out: {ev:'sample', ...}, {ev:'stopped', accepted: number[]}
import v8 from 'node:v8';
import vm from 'node:vm';
import { MqttClient } from '../src/client.js';
import { LiteClient } from '../src/lite/client.js';
import { MqttError } from '../src/errors.js';
import { createNodePlatform } from '../host-sim/node-platform.js';
import { createNodeLitePlatform } from '../host-sim/node-lite-platform.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Start { ev: 'start'; kind: 'MqttClient' | 'LiteClient'; devices: number; url: string; interval: number }
interface Dev { c: MqttClient | LiteClient; seq: number; connects: number }

const devs: Dev[] = [];
const errors: Record<string, number> = {};
const refused: Record<string, number> = {};
let publishing = false, untyped = 0, started = 0;
const timers: NodeJS.Timeout[] = [];

function send(m: object): void { if (process.send) process.send(m); }

function make(s: Start, i: number): Dev {
  const id = 'soak-' + s.kind + '-' + process.pid + '-' + i;
  const d: Dev = { c: null as unknown as MqttClient, seq: 0, connects: 0 };
  // production defaults: keepalive 60 s, 1 s → 60 s backoff, 4 KB outbox, 8 in flight
  const c = s.kind === 'MqttClient'
    ? new MqttClient({ url: s.url, clientId: id, platform: createNodePlatform() })
    : new LiteClient({ url: s.url, clientId: id, platform: createNodeLitePlatform() });
  c.onConnect = () => { d.connects++; };
  c.onError = (e: MqttError) => {
    if (!(e instanceof MqttError)) untyped++;
    errors[e.code] = (errors[e.code] ?? 0) + 1;
  };
  d.c = c;
  return d;
}

function publishOne(s: Start, i: number): void {
  if (!publishing) return;
  const d = devs[i];
  const r = d.c.publish('soak/' + s.kind + '/' + i, String(d.seq), 1);
  if (r === 'sent' || r === 'queued') d.seq++;
  else refused[r] = (refused[r] ?? 0) + 1;
}

function sample(): void {
  gc();
  const m = process.memoryUsage();
  let connected = 0, reconnects = 0, accepted = 0;
  for (const d of devs) {
    if (d.c.connected) connected++;
    reconnects += Math.max(0, d.connects - 1);
    accepted += d.seq;
  }
  send({ ev: 'sample', at: Date.now() - started, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
    devices: devs.length, connected, reconnects, accepted, errors, refused, untyped });
}

process.on('message', (m: { ev: string }) => {
  if (m.ev === 'start') {
    const s = m as Start;
    started = Date.now();
    publishing = true;
    // a ramp of 20 devices every 100 ms, each publishing on its own phase of the interval
    for (let i = 0; i < s.devices; i++) devs.push(make(s, i));
    devs.forEach((d, i) => {
      timers.push(setTimeout(() => {
        d.c.connect();
        timers.push(setTimeout(() => { timers.push(setInterval(() => publishOne(s, i), s.interval)); }, Math.floor(Math.random() * s.interval)));
      }, Math.floor(i / 20) * 100));
    });
    timers.push(setInterval(sample, 5000));
    sample();
  } else if (m.ev === 'stop') {
    publishing = false;
    send({ ev: 'stopped', accepted: devs.map((d) => d.seq) });
  } else if (m.ev === 'end') {
    for (const t of timers) { clearTimeout(t); clearInterval(t); }
    for (const d of devs) d.c.end();
    setTimeout(() => process.exit(0), 500);
  }
});
send({ ev: 'ready' });
