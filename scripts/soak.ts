// npm run soak -- --minutes N [--devices 200] [--interval 1000] [--loss 2] [--cut-every 60] [--write]
// 200 devices of each client (two forked fleets, scripts/soak-fleet.ts) publish QoS 1 sequence
// numbers for N minutes to mosquitto in a network namespace whose device link drops `loss` % of
// packets at random and, every `cut-every` seconds, answers every segment with an RST for 1.5 s
// (all links die at once and reconnects are refused meanwhile). An MQTT.js subscriber on a clean
// link (scripts/soak-subscriber.ts) counts what arrived. Then the link is healed, the outboxes
// drain, and it reports per client: RSS and heap slope (after a full GC, past the first fifth of
// the run), reconnects, errors, and QoS 1 messages lost (must be 0). Without root it runs the
// same fleets through host-sim's fault proxy (cuts, no loss) and says so. Exit 1 if any was lost.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultProxy } from '../host-sim/fault-proxy.js';
import { startMosquitto } from '../test/helpers/brokers.js';
import { Netns, netnsUnavailable, startNsMosquitto } from '../test/helpers/netns.js';
import { delay } from '../test/helpers/wait.js';
import { writeSection } from './benchmarks-section.js';

const here = path.dirname(fileURLToPath(import.meta.url));
function arg(name: string, def: number): number {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : def;
}
const MINUTES = arg('minutes', 10), DEVICES = arg('devices', 200), INTERVAL = arg('interval', 1000);
const LOSS = arg('loss', 2), CUT_EVERY = arg('cut-every', 60);
const KINDS = ['MqttClient', 'LiteClient'] as const;

interface Msg { ev: string; [k: string]: any }
class Child {
  private queue: Msg[] = [];
  private waiters: Array<(m: Msg) => void> = [];
  samples: Msg[] = [];
  constructor(readonly p: ChildProcess) {
    p.on('message', (m: Msg) => {
      if (m.ev === 'sample') { this.samples.push(m); return; }
      const w = this.waiters.shift();
      if (w) w(m); else this.queue.push(m);
    });
  }
  static fork(file: string): Child {
    return new Child(fork(path.join(here, file), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  send(m: object): void { this.p.send(m); }
  next(ev: string, ms = 30000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no ' + ev + ' within ' + ms + ' ms')), ms);
      const take = (m: Msg) => { clearTimeout(t); if (m.ev === ev) resolve(m); else reject(new Error('got ' + m.ev + ' awaiting ' + ev)); };
      const m = this.queue.shift();
      if (m) take(m); else this.waiters.push(take);
    });
  }
}

function slopePerMinute(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return den === 0 ? 0 : (num / den) * 60000;
}

async function main(): Promise<void> {
  const why = netnsUnavailable();
  const cleanup: Array<() => unknown> = [];
  let deviceUrl: string, backUrl: string, mode: string;
  let cut: () => Promise<void>;
  let heal: () => void;
  if (why === null) {
    const ns = Netns.create('soak');
    cleanup.push(() => ns.close());
    const b = await startNsMosquitto(ns);
    deviceUrl = b.deviceUrl; backUrl = b.backUrl;
    ns.impair({ loss: LOSS });
    cut = async () => { ns.impair({ loss: LOSS, reset: true }); await delay(1500); ns.impair({ loss: LOSS }); };
    heal = () => ns.impair({});
    mode = 'mosquitto in a network namespace; device link: ' + LOSS + ' % random loss each way (nftables), every ' + CUT_EVERY +
      ' s every segment answered with an RST for 1.5 s';
  } else {
    const b = await startMosquitto();
    cleanup.push(() => b.close());
    const proxy = new FaultProxy('127.0.0.1', b.port, { latency: 5 });
    cleanup.push(() => proxy.close());
    deviceUrl = 'mqtt://127.0.0.1:' + (await proxy.listen());
    backUrl = b.url;
    cut = async () => { proxy.cutAll(); };
    heal = () => undefined;
    mode = 'no network namespace here (' + why + '): mosquitto behind the fault proxy (5 ms latency), every link cut every ' + CUT_EVERY + ' s; no packet loss';
  }
  console.log('soak: ' + MINUTES + ' min, ' + DEVICES + ' devices of each client, QoS 1 every ' + INTERVAL + ' ms; ' + mode);

  const sub = Child.fork('soak-subscriber.js');
  cleanup.push(() => sub.p.kill());
  await sub.next('ready');
  sub.send({ ev: 'start', url: backUrl });
  await sub.next('subscribed');
  const fleets = KINDS.map(() => Child.fork('soak-fleet.js'));
  for (const f of fleets) { cleanup.push(() => f.p.kill()); await f.next('ready'); }
  fleets.forEach((f, i) => f.send({ ev: 'start', kind: KINDS[i], devices: DEVICES, url: deviceUrl, interval: INTERVAL }));

  const started = Date.now();
  let cuts = 0;
  while (Date.now() - started < MINUTES * 60000) {
    const next = Math.min(CUT_EVERY * 1000, MINUTES * 60000 - (Date.now() - started));
    await delay(next);
    if (Date.now() - started < MINUTES * 60000 - 5000) { await cut(); cuts++; }
    const last = fleets.map((f) => f.samples[f.samples.length - 1]);
    console.log('[' + Math.round((Date.now() - started) / 1000) + ' s] ' + last.map((s, i) => KINDS[i] + ': ' + s.connected + '/' + s.devices +
      ' connected, ' + s.accepted + ' accepted, ' + s.reconnects + ' reconnects, RSS ' + (s.rss / 1048576).toFixed(1) + ' MB, heap ' +
      (s.heapUsed / 1048576).toFixed(1) + ' MB').join(' | '));
  }
  const soakedMs = Date.now() - started;
  // Stop publishing, heal the link, let every outbox drain.
  const accepted = await Promise.all(fleets.map(async (f) => { f.send({ ev: 'stop' }); return (await f.next('stopped', 30000)).accepted as number[]; }));
  heal();
  const limits: Record<string, number> = {};
  KINDS.forEach((k, i) => accepted[i].forEach((n, d) => { limits['soak/' + k + '/' + d] = n; }));
  const want = accepted.map((a) => a.reduce((x, y) => x + y, 0));
  let counts: Msg = { ev: 'counts', unique: {}, duplicates: 0 };
  const drainStart = Date.now();
  const delivered = () => KINDS.map((k) => Object.entries(counts.unique as Record<string, number>)
    .filter(([t]) => t.startsWith('soak/' + k + '/')).reduce((s, [, n]) => s + n, 0));
  while (Date.now() - drainStart < 180000) {
    sub.send({ ev: 'count', limits });
    counts = await sub.next('counts');
    const got = delivered();
    if (got.every((g, i) => g >= want[i])) break;
    await delay(2000);
  }
  const got = delivered();
  const drainMs = Date.now() - drainStart;

  const rows: string[] = [];
  const warm = soakedMs / 5;
  KINDS.forEach((k, i) => {
    const ss = fleets[i].samples.filter((s) => s.at >= warm && s.at <= soakedMs);
    const xs = ss.map((s) => s.at);
    const last = fleets[i].samples[fleets[i].samples.length - 1];
    const errs = Object.entries(last.errors as Record<string, number>).map(([c, n]) => c + ' ' + n).join(', ');
    const refusedN = Object.values(last.refused as Record<string, number>).reduce((a, b) => a + b, 0);
    rows.push('| ' + [k, DEVICES, want[i].toLocaleString('en-US'), (want[i] - got[i]).toLocaleString('en-US'),
      refusedN ? refusedN + ' (' + Object.keys(last.refused).join(', ') + ')' : '0',
      last.reconnects.toLocaleString('en-US'),
      (ss[0].rss / 1048576).toFixed(1) + ' → ' + (ss[ss.length - 1].rss / 1048576).toFixed(1) + ' MB',
      (slopePerMinute(xs, ss.map((s) => s.rss)) / 1024).toFixed(1) + ' KB/min',
      (ss[0].heapUsed / 1048576).toFixed(1) + ' → ' + (ss[ss.length - 1].heapUsed / 1048576).toFixed(1) + ' MB',
      (slopePerMinute(xs, ss.map((s) => s.heapUsed)) / 1024).toFixed(1) + ' KB/min',
      errs + (last.untyped ? '; ' + last.untyped + ' not MqttError' : '')].join(' | ') + ' |');
  });
  const table = ['| client | devices | QoS 1 accepted | lost | refused by publish() | reconnects | RSS (after the first fifth → end) | RSS slope | heap after GC | heap slope | errors reported |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'].concat(rows).join('\n');
  const summary = MINUTES + ' min soak, ' + cuts + ' cuts; outboxes drained ' + (drainMs / 1000).toFixed(0) + ' s after the link was healed; ' +
    counts.duplicates + ' duplicate deliveries at the subscriber (QoS 1 allows them).';
  console.log('\n' + table + '\n\n' + summary + '\n' + mode);

  if (process.argv.includes('--write')) {
    writeSection('soak', ['## Soak (`npm run soak`)', '',
      '_Run ' + new Date().toISOString().slice(0, 19) + 'Z: `npm run soak -- --minutes ' + MINUTES + '`._', '',
      DEVICES + ' devices of each client, each in its own forked process (scripts/soak-fleet.ts), publish a QoS 1 sequence',
      'number every ' + INTERVAL + ' ms with production settings (keepalive 60 s, 1 s → 60 s backoff, 4 KB outbox, 8 in flight). ' + mode + '.',
      'An MQTT.js subscriber with a kept session on a second, unimpaired link counts per device which sequence numbers',
      'arrived; after the run the link is healed and the outboxes drain, and "lost" is accepted minus arrived. Memory',
      'is sampled every 5 s after a full GC in each fleet process; slopes are least-squares fits over the last four fifths.', '',
      table, '', summary].join('\n'));
  }

  for (const f of fleets) f.send({ ev: 'end' });
  sub.send({ ev: 'end' });
  await delay(1000);
  for (const c of cleanup.reverse()) { try { await c(); } catch { /* keep going */ } }
  process.exit(got.every((g, i) => g >= want[i]) ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
