// Part 2's comparison: our two clients side by side with the MQTT clients that ship with Moddable
// and Espruino, in one run of the workplace's XS meter (xsmeter: the same fake transport for all,
// ESP8266 buffers for ours). The anchors' sources are read where their users have them — the
// Moddable SDK checkout (MODDABLE) and an EspruinoDocs checkout (ESPRUINO_DOCS) — and never
// copied here. Without xsmeter (XSMETER_DIR, default ../shared/xsmeter) the part says so and
// keeps its own figures; without an anchor's source, that column is left out with a line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../scripts/build/paths.js';
import { fmt, type Table, type Target } from './report.js';

interface MeterOp { compute?: number; slots?: number; retainedSlots?: number; na?: string }
interface MeterResult { adapter: string; ops: Record<string, MeterOp>; load?: { client: { currentHeapCount: number }; adapter: { currentHeapCount: number } }; errors: string[] }

const OPS: [string, string][] = [
  ['publish0', 'QoS 0 publish "21.5" → temp'],
  ['publish1+puback', 'QoS 1 publish + PUBACK'],
  ['deliver16', 'incoming 16 B PUBLISH → handler'],
  ['deliver1k', 'incoming 1 KB PUBLISH → handler'],
  ['keepalive', 'keepalive PINGREQ + PINGRESP'],
];

// [adapter file in xsmeter, the environment variable it reads, the client's source, column title]
function clients(dir: string, notes: string[]): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  const moddable = process.env.MODDABLE, docs = process.env.ESPRUINO_DOCS;
  const anchor = (adapter: string, env: string, base: string | undefined, file: string, title: string, why: string): void => {
    const src = base ? path.join(base, file) : '';
    if (src && fs.existsSync(src)) out.push([path.join(dir, 'adapters', adapter), env, src, title]);
    else notes.push(title + ' left out: ' + (base ? src + ' not found' : why));
  };
  anchor('moddable-ecma419.js', 'XSMETER_MODDABLE_ECMA419', moddable, 'examples/io/tcp/mqttclient/mqttclient.js', 'Moddable ECMA-419', 'set MODDABLE to a Moddable SDK checkout');
  anchor('moddable-legacy.js', 'XSMETER_MODDABLE_LEGACY', moddable, 'modules/network/mqtt/mqtt.js', 'Moddable `mqtt`', 'set MODDABLE to a Moddable SDK checkout');
  anchor('espruino.js', 'XSMETER_ESPRUINO', docs, 'modules/MQTT.js', 'Espruino `MQTT`', 'set ESPRUINO_DOCS to an EspruinoDocs checkout');
  out.push([path.join(dir, 'adapters', 'mcu-mqtt.js'), 'XSMETER_MCU_MQTT', path.join(root, 'src', 'index.ts'), 'MqttClient']);
  out.push([path.join(dir, 'adapters', 'mcu-mqtt-lite.js'), 'XSMETER_MCU_MQTT_LITE', path.join(root, 'src', 'lite', 'client.ts'), 'LiteClient']);
  return out;
}

// Where MqttClient's units go: bench/xs/breakdown-adapter.js measures each layer of an operation
// on its own, in the same xsmeter run. [extra, label]; a label starting with '…' is a part.
const PARTS: [string, string][] = [
  ['publish0', 'QoS 0 publish "21.5" → temp, whole'],
  ['p0_call', '… calling publish() (any method with two arguments)'],
  ['p0_encodeInto', '… the payload through the engine\'s native `encodeInto`'],
  ['p0_write', '… the bytes to the transport (the client\'s re-entrancy guard and the fake socket)'],
  ['harness_write', '… … of which the fake socket\'s write (the harness)'],
  ['publish1_puback', 'QoS 1 publish + PUBACK, whole'],
  ['publish1_ackInternal', '… the publish: checked, stored in the outbox, written; then released without the wire'],
  ['puback_decode', '… the PUBACK decoded (its 4 fixed bytes)'],
  ['puback_onPublished', '… onPublished reported (inside a try, for a callback that throws)'],
  ['deliver16', 'incoming 16 B PUBLISH → handler, whole'],
  ['in_chunkEntry', '… a received chunk reaching the session (transport sink → client → session, no bytes in it)'],
  ['in_decode16', '… the PUBLISH decoded: framing, checks, the topic `temp` found in the cache'],
  ['in_decode16_topic1', '… the same with the 1-byte topic `t` (so 3 more topic bytes cost the difference)'],
  ['in_payloadView', '… the payload view handed to the handler (`subarray`)'],
  ['in_dispatch', '… dispatch: the info object, the handler found, called inside a try (handler included)'],
  ['in_handler', '… … of which the handler (the app\'s own)'],
  ['keepalive', 'keepalive PINGREQ + PINGRESP, whole (with a one-slot fake timer)'],
  ['ka_pingresp', '… the PINGRESP received'],
  ['harness_timer', '… the fake timer set and fired (the harness)'],
  ['hold_client', 'MqttClient created, ESP8266 buffers: heap slots it holds (its buffers are chunk bytes, not slots)'],
];

function partsTable(res: MeterResult | undefined, notes: string[]): Table | null {
  if (!res) { notes.push('The parts table (bench/xs/breakdown-adapter.js) did not run.'); return null; }
  for (const e of res.errors) notes.push('mcu-mqtt-parts: ' + e);
  const cell = (op: string): string => {
    const o = res.ops['x:' + op];
    if (!o || o.na) return 'n/a';
    // a made client is kept alive: what it holds is what stays after a collection
    if (op === 'hold_client') return fmt(o.retainedSlots as number, 0) + ' slots held';
    return fmt(o.compute as number, 0) + ' / ' + fmt(o.slots as number, 0);
  };
  return {
    title: 'Where MqttClient\'s units go: each layer of an operation measured on its own (bench/xs/breakdown-adapter.js, same run, same configuration; units / heap slots per call)',
    headers: ['operation, and its parts', 'units / slots'],
    rows: PARTS.map(([op, label]) => [label, cell(op)]),
  };
}

// Issue 10's goals for MqttClient in the side-by-side table: half the cheapest anchor.
// [op, compute at most, slots at most, goal as written]
const GOALS: [string, number, number, string][] = [
  ['publish0', 160, 0, '≤ 160 / 0'],
  ['publish1+puback', 440, 0, '≤ 440 / 0'],
  ['deliver16', 330, 4, '≤ 330 / ≤ 4'],
  ['deliver1k', 350, 4, '≤ 350 / ≤ 4'],
  ['keepalive', 300, 0, '≤ 300 / 0'],
];

/** MqttClient's side-by-side figures against issue 10's goals. */
function goalTargets(res: MeterResult | undefined): Target[] {
  const out: Target[] = [];
  for (const [op, c, sl, goal] of GOALS) {
    const o = res && res.ops[op];
    const label = OPS.find((x) => x[0] === op)![1];
    out.push(o && !o.na
      ? { name: 'XS meter, MqttClient: ' + label, target: goal, measured: fmt(o.compute as number, 0) + ' / ' + fmt(o.slots as number, 0), met: (o.compute as number) <= c && (o.slots as number) <= sl }
      : { name: 'XS meter, MqttClient: ' + label, target: goal, measured: 'n/a', met: null });
  }
  const load = res && res.load ? res.load.client.currentHeapCount - res.load.adapter.currentHeapCount : NaN;
  out.push({ name: 'XS meter, MqttClient: module load + client created (heap slots)', target: '≤ 670', measured: isFinite(load) ? fmt(load, 0) : 'n/a', met: isFinite(load) ? load <= 670 : null });
  return out;
}

/** The comparison table (compute / heap slots per operation) and the parts table, or none with
 *  the reason in notes; MqttClient's figures against issue 10's goals go to `targets`. */
export function anchorsTables(notes: string[], targets: Target[]): Table[] {
  const dir = process.env.XSMETER_DIR || path.resolve(root, '..', 'shared', 'xsmeter');
  if (!fs.existsSync(path.join(dir, 'xsmeter.mjs'))) {
    notes.push('The side-by-side table needs the workplace\'s XS meter (xsmeter.mjs); not found at ' + dir + ' (set XSMETER_DIR).');
    return [];
  }
  const list = clients(dir, notes);
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xsmeter-')), 'out.json');
  const env: Record<string, string> = Object.assign({}, process.env as Record<string, string>);
  const args = [path.join(dir, 'xsmeter.mjs'), '--deps', root, '--repeat', '1', '--json', json];
  for (const [adapter, name, src] of list) { args.push('--adapter', adapter); env[name] = src; }
  args.push('--adapter', path.join(root, 'bench', 'xs', 'breakdown-adapter.js'));
  env.XSMETER_MCU_MQTT_PARTS = path.join(root, 'src', 'index.ts');
  const r = spawnSync(process.execPath, args, { env: env, encoding: 'utf8', timeout: 600000, maxBuffer: 64 << 20 });
  if (!fs.existsSync(json)) {
    notes.push('xsmeter did not run (exit ' + r.status + '): ' + (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' / '));
    return [];
  }
  const all = (JSON.parse(fs.readFileSync(json, 'utf8')) as { results: MeterResult[] }).results;
  const parts = partsTable(all.find((res) => res.adapter === 'mcu-mqtt-parts'), notes);
  const results = all.filter((res) => res.adapter !== 'mcu-mqtt-parts');
  targets.push(...goalTargets(results.find((res) => res.adapter === 'mcu-mqtt')));
  for (const res of results) for (const e of res.errors) notes.push(res.adapter + ': ' + e);
  // An operation whose own checks failed in xsmeter ("keepalive: wrote exactly one PINGREQ …")
  // did not do what its row says: its figure is marked, not silently compared.
  const failed = (res: MeterResult, op: string): boolean => res.errors.some((e) => e.indexOf(op + ':') === 0);
  if (results.some((res) => OPS.some(([op]) => failed(res, op)))) {
    notes.push('⚠ in the side-by-side table: xsmeter\'s own checks (above) found that this client did not do the operation as the row describes it, so the figure is not comparable.');
  }
  if (results.some((res) => /lite/.test(res.adapter) && failed(res, 'keepalive'))) {
    notes.push('LiteClient\'s keepalive row: the shared adapter advances the clock by 30 s per operation, which made the old LiteClient ping every time; ' +
      'LiteClient now pings after K (60 s) of silence, as MqttClient does (docs/CONTRACTS.md), so not every one of those operations sends a PINGREQ and the figure is not a ping cycle.');
  }
  const cols = list.map((c) => c[3]);
  const cell = (res: MeterResult | undefined, op: string): string => {
    const o = res && res.ops[op];
    return !o || o.na ? 'n/a' : fmt(o.compute as number, 0) + ' / ' + fmt(o.slots as number, 0) + (failed(res as MeterResult, op) ? ' ⚠' : '');
  };
  const rows: (string | number)[][] = OPS.map(([op, label]) => [label].concat(results.map((res) => cell(res, op))));
  rows.push(['module load (heap slots)'].concat(results.map((res) => res.load
    ? fmt(res.load.client.currentHeapCount - res.load.adapter.currentHeapCount, 0) : 'n/a')));
  const side: Table = {
    title: 'Side by side: XS meter units / heap slots per operation, every client in one run of xsmeter (the same fake transport; ours with ESP8266 buffers 512/256/1024/4)',
    headers: ['operation'].concat(cols),
    rows: rows,
  };
  return parts ? [side, parts] : [side];
}
