// Part 2: deterministic XS cost per operation, from xsnap's meters. Each operation runs LOOPS
// times inside ONE xsnap command after a full collection (scripts/xs/worker.ts meter()), so
// heap slots per op = slots the loop left allocated / LOOPS, with the command machinery subtracted.
import { bundle } from '../scripts/xs/bundle.js';
import { startXs, meter, type XsWorker } from '../scripts/xs/worker.js';
import { fmt, type Table, type Target } from './report.js';
import type { PartBody } from './index.js';
import { anchorsTables } from './xs-anchors.js';

const LOOPS = 500;
const WARMUP = 20;

interface OpCost { compute: number; slots: number; ok: boolean; why: string }
const OPS: [string, string, (s: Record<string, number | boolean | string>, n: number) => string][] = [
  ['qos0', 'QoS 0 publish (16 B on `temp`)', (s, n) => (s.notSent ? s.notSent + ' not sent ' : '') + (((s.packetsOut ?? s.publishes) as number) < n ? 'too few packets out' : '')],
  ['qos1', 'QoS 1 publish + PUBACK', (s, n) => (s.acked !== n ? 'acked ' + s.acked + ' of ' + n : '') + (s.notSent ? ' ' + s.notSent + ' not sent' : '')],
  ['in16', 'incoming 16 B PUBLISH, parsed + dispatched', (s, n) => (s.received !== n ? 'received ' + s.received + ' of ' + n : '')],
  ['in1k', 'incoming 1 KB PUBLISH, parsed + dispatched', (s, n) => (s.received !== n ? 'received ' + s.received + ' of ' + n : '')],
  ['ping', 'keepalive cycle (PINGREQ + PINGRESP)', (s, n) => (s.pings !== n ? 'pings ' + s.pings + ' of ' + n : '')],
];

async function measure(w: XsWorker, prefix: string): Promise<Record<string, OpCost>> {
  const out: Record<string, OpCost> = {};
  const connected = await w.command(prefix + '.connect');
  for (const [op, , check] of OPS) {
    await w.command(prefix + '.' + op, String(WARMUP));
    await w.command(prefix + '.reset');
    const m = await meter(w, prefix + '.' + op, String(LOOPS));
    const stats = JSON.parse((await w.command(prefix + '.stats')).reply) as Record<string, number | boolean | string>;
    let why = check(stats, LOOPS);
    if (stats.errors) why += ' ' + stats.errors + ' errors (' + stats.lastError + ')';
    if (m.collected) why += ' a collection ran during the loop';
    out[op] = { compute: m.compute / LOOPS, slots: m.heapSlots / LOOPS, ok: why.trim() === '', why: why.trim() + (why.trim() ? ' [connect: ' + connected.reply + ']' : '') };
  }
  return out;
}

async function side(entry: string, prefix: string, notes: string[]): Promise<Record<string, OpCost> | null> {
  let w: XsWorker | null = null;
  try {
    const src = await bundle({ entry: entry });
    w = await startXs(src, { name: 'bench-' + prefix, timeoutMs: 60000 });
    return await measure(w, prefix);
  } catch (e) {
    notes.push('`' + entry + '` could not be measured: ' + String((e as Error).message || e).split('\n')[0]);
    return null;
  } finally {
    if (w) await w.close();
  }
}

function cell(c: OpCost | undefined, key: 'compute' | 'slots'): string {
  if (!c) return 'n/a';
  return fmt(c[key], key === 'slots' ? 2 : 0) + (c.ok ? '' : ' ⚠');
}

export async function run(): Promise<PartBody> {
  const notes: string[] = [];
  const s = await side('bench/xs/session-workload.ts', 's', notes);
  const c = await side('bench/xs/client-workload.ts', 'c', notes);
  const rows: (string | number)[][] = OPS.map(([op, label]) => [label,
    cell(s ? s[op] : undefined, 'compute'), cell(s ? s[op] : undefined, 'slots'),
    cell(c ? c[op] : undefined, 'compute'), cell(c ? c[op] : undefined, 'slots')]);
  for (const [name, r] of [['codec+session', s], ['client', c]] as const) {
    if (!r) continue;
    for (const [op, label] of OPS) if (!r[op].ok) notes.push('⚠ ' + name + ', ' + label + ': ' + r[op].why);
  }
  const table: Table = {
    headers: ['operation', 'codec+session compute/op', 'codec+session heap slots/op', 'client compute/op', 'client heap slots/op'],
    rows: rows,
  };
  const targets: Target[] = [];
  for (const [name, r] of [['codec+session', s], ['client', c]] as const) {
    if (!r) { targets.push({ name: 'XS heap slots per publish, ' + name, target: '0', measured: 'n/a', met: null }); continue; }
    const worst = Math.max(r.qos0.slots, r.qos1.slots);
    targets.push({ name: 'XS heap slots per publish (QoS 0 and QoS 1+PUBACK), ' + name, target: '0',
      measured: fmt(r.qos0.slots, 2) + ' / ' + fmt(r.qos1.slots, 2), met: r.qos0.ok && r.qos1.ok ? worst === 0 : null });
  }
  const together = anchorsTables(notes, targets);
  return {
    title: '2. XS cost per operation',
    method: [
      '- Engine: Moddable XS via `@agoric/xsnap` (the same worker as the XS test runner, scripts/xs/worker.ts). Workloads: bench/xs/session-workload.ts (codec + session driven by hand) and bench/xs/client-workload.ts (MqttClient over bench/xs/scripted-platform.ts, a platform whose clock, timers and socket are scripted and which itself allocates nothing per call). Both are bundled by esbuild as one IIFE script.',
      '- Per operation: ' + WARMUP + ' warm-up iterations, then one xsnap command runs it ' + LOOPS + ' times right after a full `gc()`; `meterUsage.compute` and the growth of `currentHeapCount` over that command (minus what an empty command costs, measured just before) divided by ' + LOOPS + '. If a collection ran during the loop the count is flagged. Counters inside XS are checked afterwards (packets out, PUBACKs reported, messages dispatched, PINGREQs), so a loop that silently did nothing is flagged ⚠.',
      '- Publishes are 16 bytes on `temp`. Incoming PUBLISH packets are QoS 0 on `temp`; the session\'s receive buffer is 2 KB so the 1 KB message is not oversize. For the client, the message goes to a handler registered with `subscribe(\'temp\', 0, handler)`. Keepalive: the clock advances by the keepalive (60 s), timers fire, PINGREQ goes out, PINGRESP comes in.',
      '- An incoming message is handed to the application as a view into the receive buffer (CONTRACTS.md); in XS `subarray()` makes a 4-slot typed-array object, so 4 slots per received message is the floor of that API. The topic string lives in XS\'s chunk heap, not in the slot count.',
      '- Compute units are XS\'s deterministic "computrons" (roughly bytecode steps), not time; heap slots are XS\'s 16/32-byte slots (strings and typed-array backing stores live in the separate chunk heap and are not in this count).',
      '- Side by side (first table, when the workplace\'s XS meter `xsmeter` is at ../shared/xsmeter or XSMETER_DIR): our two clients and the anchors in one xsmeter run, each through its own public API over the same fake transport; the anchors\' sources are read from MODDABLE (a Moddable SDK checkout: its ECMA-419 client and its `mqtt` module) and ESPRUINO_DOCS (an EspruinoDocs checkout: `modules/MQTT.js`). A string payload costs our client 3 heap slots: the result object of the engine\'s `encodeInto`; a `Uint8Array` payload costs none (third table).',
      '- Parts (second table): the same client and configuration, each layer of an operation called on its own (bench/xs/breakdown-adapter.js reaches into the client for that), so the floor under each side-by-side figure can be read off: what the harness itself costs, what calling into the client costs, what is per byte. Its fake platform has a one-slot timer, cheaper than the side-by-side adapter\'s, so its keepalive row is lower.',
    ],
    tables: together.concat([table]),
    targets: targets,
    notes: notes,
  };
}
