// What host-sim tells the user: the live status line and the final summary (text or JSON).
import type { Fleet, DeviceState, Attribution, DeviceCondition } from './fleet.js';
import type { ClientKind } from './args.js';
import { describeLimit, type LimitHit } from './limits.js';

export interface Totals {
  devices: number;
  started: number;
  connected: number;
  connecting: number; // started, not connected, still trying
  stopped: number; // the client gave up (a refusal it must not retry)
  removed: number; // removed from the dashboard
  topError: { code: string; message: string; devices: number } | null; // the last error most devices not connected share
  readings: number; // samples taken by the apps
  published: number; // written to the broker at once ('sent')
  queued: number; // put in the outbox while offline or with the window full
  dropped: number; // refused by the client (QUEUE_FULL, NOT_CONNECTED at QoS 0)
  acknowledged: number | null; // PUBACKs for readings; null: LiteClient does not tell
  statusesAcknowledged: number | null; // PUBACKs for status messages (online/offline), counted apart
  unacknowledged: number | null; // QoS 1 readings in the outboxes, awaiting their PUBACK
  reconnects: number; // connection attempts after each device's first
  received: number; // readings the subscriber got (duplicates excluded)
  duplicates: number;
  expected: number; // QoS 1 readings the subscriber must receive
  lost: number | null; // QoS 1 only: expected but never received
}

export interface DeviceRow {
  id: string;
  connected: boolean;
  state: DeviceCondition;
  lastError: { code: string; message: string } | null;
  errors: Record<string, number>; // every error its client reported, by code
  readings: number;
  published: number;
  queued: number;
  dropped: number;
  acknowledged: number | null; // readings' PUBACKs; null: LiteClient does not report PUBACKs
  statusesAcknowledged: number | null;
  unacknowledged: number | null;
  reconnects: number;
  received: number | null; // null: shared topics on an external broker, nobody knows the sender
  duplicates: number | null;
  lost: number | null; // null: QoS 0, or not attributable (loss is then counted fleet-wide only)
}

/** The name of the client class the devices run, for people. */
export function clientName(client: ClientKind): string {
  return client === 'lite' ? 'LiteClient' : 'MqttClient';
}

export function deviceRow(d: DeviceState, fleet: Fleet): DeviceRow {
  const run = d.run;
  const app = run ? run.app : null;
  const qos = fleet.config.qos;
  const fleetWide = fleet.config.attribution === 'fleet';
  // LiteClient has no PUBACK callback or counter: acked is unknown, not 0, for every lite
  // device (started or not). Its retries are counted at its platform by the fleet.
  const full = fleet.client === 'full';
  let reconnects = 0;
  if (run && run.client === 'full') reconnects = run.app.client.stats.reconnects;
  else if (run) reconnects = Math.max(0, d.link.connects - 1);
  const errors: Record<string, number> = {};
  for (const [code, n] of d.errors) errors[code] = n;
  const st = d.statsAtCutOff || (app ? app.stats : null);
  // Fleet-wide accounting can still say "none of this device's readings were lost" when none of anybody's were.
  const lost = qos !== 1 ? null : !fleetWide ? d.pendingCount : fleet.fleetPendingCount === 0 ? 0 : null;
  return {
    id: d.id,
    connected: !!app && app.client.connected,
    state: fleet.condition(d),
    lastError: d.lastError ? { code: d.lastError.code, message: d.lastError.message } : null,
    errors,
    readings: st ? st.samples : 0,
    published: st ? st.published : 0,
    queued: st ? st.queued : 0,
    dropped: st ? st.dropped : 0,
    acknowledged: full ? d.readingsAcked : null,
    statusesAcknowledged: full ? d.statusesAcked : null,
    unacknowledged: full ? d.readingIds.size : null,
    reconnects,
    received: fleetWide ? null : d.received,
    duplicates: fleetWide ? null : d.duplicates,
    lost,
  };
}

export function totals(fleet: Fleet): Totals {
  const qos = fleet.config.qos;
  const full = fleet.client === 'full';
  const t: Totals = {
    devices: 0, started: 0, connected: 0, connecting: 0, stopped: 0, removed: 0, topError: null,
    readings: 0, published: 0, queued: 0, dropped: 0,
    acknowledged: full ? 0 : null, statusesAcknowledged: full ? 0 : null, unacknowledged: full ? 0 : null,
    reconnects: 0, received: 0, duplicates: 0, expected: 0, lost: qos === 1 ? 0 : null,
  };
  const fleetWide = fleet.config.attribution === 'fleet';
  // the error that most devices which are not connected share (by code), with one message for it
  const trouble = new Map<string, { message: string; devices: number }>();
  for (const d of fleet.devices) {
    const r = deviceRow(d, fleet);
    if (r.state === 'removed') t.removed++;
    else t.devices++;
    if (r.state !== 'waiting') t.started++;
    if (r.state === 'connected') t.connected++;
    else if (r.state === 'connecting') t.connecting++;
    else if (r.state === 'stopped') t.stopped++;
    if ((r.state === 'connecting' || r.state === 'stopped') && r.lastError) {
      const e = trouble.get(r.lastError.code);
      if (e) e.devices++;
      else trouble.set(r.lastError.code, { message: r.lastError.message, devices: 1 });
    }
    t.readings += r.readings;
    t.published += r.published;
    t.queued += r.queued;
    t.dropped += r.dropped;
    if (t.acknowledged !== null) t.acknowledged += r.acknowledged ?? 0;
    if (t.statusesAcknowledged !== null) t.statusesAcknowledged += r.statusesAcknowledged ?? 0;
    if (t.unacknowledged !== null) t.unacknowledged += r.unacknowledged ?? 0;
    t.reconnects += r.reconnects;
    t.received += r.received ?? 0;
    t.duplicates += r.duplicates ?? 0;
    t.expected += d.expected;
    if (t.lost !== null && !fleetWide) t.lost += d.pendingCount;
  }
  for (const [code, e] of trouble) {
    if (!t.topError || e.devices > t.topError.devices) t.topError = { code, message: e.message, devices: e.devices };
  }
  if (fleetWide) {
    t.received = fleet.fleetReceived;
    t.duplicates = fleet.fleetDuplicates;
    if (t.lost !== null) t.lost = fleet.fleetPendingCount;
  }
  return t;
}

/** An error code and its words, short: "CONNACK_REFUSED_BAD_CREDENTIALS (bad user name or password)". */
export function errorWords(e: { code: string; message: string }): string {
  return e.code + ': ' + e.message;
}

/**
 * The live status line, at most `width` characters (a terminal's columns: a longer line wraps,
 * and redrawing it in place then leaves a stale row behind). What matters most comes first.
 */
export function statusLine(t: Totals, rate: number, width = Infinity): string {
  let devices = `${t.connected} of ${t.devices} connected`;
  if (t.started < t.devices) devices += ` (${t.started} started)`;
  if (t.connecting) devices += `, ${t.connecting} connecting`;
  if (t.stopped) devices += `, ${t.stopped} stopped`;
  const parts = [
    devices,
    `published ${t.published} acked ${t.acknowledged ?? '-'} queued ${t.queued} dropped ${t.dropped}`,
    `received ${t.received}`,
    `reconnects ${t.reconnects}`,
    `${rate.toFixed(1)} msg/s`,
  ];
  if (t.topError) parts.push(`${t.topError.devices} with ${errorWords(t.topError)}`);
  const line = parts.join(' | ');
  return line.length <= width ? line : line.slice(0, Math.max(0, width - 1)) + '…';
}

export interface Resources {
  rss: number; // bytes, at the end
  heapUsed: number;
  baselineRss: number; // before the first device started
  baselineHeap: number;
  peakRss: number; // the kernel's high-water mark (VmHWM) where there is one
  cpuUserMs: number; // since the first device started
  cpuSystemMs: number;
  seconds: number; // wall time since the first device started
  startupSeconds: number; // before that: build (npm start), broker, subscriber
}

/** What the broker itself said it dropped (mosquitto's $SYS counter), read at start and end. */
export interface BrokerDrops { before: number; after: number }

export interface Summary {
  broker: string;
  embeddedBroker: boolean;
  client: ClientKind; // full: MqttClient, lite: LiteClient (what Espruino boards run)
  shard: { index: number; count: number; firstId: string; lastId: string } | null;
  topics: { readings: string; status: string }; // '<id>' stands for each device's id
  attribution: Attribution; // how received readings were tied to devices
  receivedOn: Record<string, number>; // topic → messages the subscriber got there (readings and statuses)
  notes: string[];
  devices: number;
  qos: number;
  interval: number;
  seconds: number;
  startupSeconds: number;
  totals: Totals;
  atStop: Record<DeviceCondition, number>; // where the devices were when the fleet was told to stop
  connectedAtStop: number;
  errorsByCode: Record<string, { count: number; devices: number }>;
  perDevice: DeviceRow[];
  perDeviceComplete: boolean; // false: only the devices with trouble are listed (at most LIST_TROUBLE)
  memory: { rss: number; heapUsed: number; peakRss: number; rssPerDevice: number; heapPerDevice: number };
  cpu: { userMs: number; systemMs: number; percentOfOneCore: number; perDeviceMsPerMinute: number };
  faults: null | { latency?: number; chunk?: number; dropEvery?: number; stall?: boolean; connections: number; cuts: number };
  brokerDropped: BrokerDrops | null;
  limit: LimitHit | null;
  warnings: string[];
}

const LIST_ALL_UP_TO = 20;
const LIST_TROUBLE = 10;

/** How bad a device's run was, for picking the rows worth printing in a big fleet (0: nothing). */
function trouble(r: DeviceRow): number {
  return (r.lost || 0) * 1e6 + (r.state === 'stopped' ? 1e5 : 0) + r.dropped * 1e3 + r.reconnects + (r.lastError ? 1 : 0);
}

export function summarize(
  fleet: Fleet,
  res: Resources,
  info: {
    broker: string; embedded: boolean; faults: Summary['faults']; warnings: string[]; receivedOn: Record<string, number>;
    atStop: Record<DeviceCondition, number>; brokerDropped: BrokerDrops | null; shard: Summary['shard'];
  },
): Summary {
  const qos = fleet.config.qos;
  const c = fleet.config;
  const readingTopic = c.perDeviceTopics ? c.topic + '/<id>' : c.topic;
  let rows = fleet.devices.map((d) => deviceRow(d, fleet));
  const errorsByCode: Summary['errorsByCode'] = {};
  for (const r of rows) {
    for (const code of Object.keys(r.errors)) {
      const e = errorsByCode[code] || (errorsByCode[code] = { count: 0, devices: 0 });
      e.count += r.errors[code];
      e.devices++;
    }
  }
  const complete = rows.length <= LIST_ALL_UP_TO;
  if (!complete) {
    rows = rows.filter((r) => trouble(r) > 0).sort((a, b) => trouble(b) - trouble(a)).slice(0, LIST_TROUBLE);
  }
  const t = totals(fleet);
  const n = Math.max(1, t.started);
  const cpuMs = res.cpuUserMs + res.cpuSystemMs;
  const notes: string[] = [];
  if (fleet.client === 'lite') {
    notes.push('LiteClient reports no PUBACKs (no onPublished, no counters), so acked is unknown (-, null in JSON); ' +
      'its reconnects are counted by host-sim, as connection attempts after the first');
  } else if (t.statusesAcknowledged) {
    notes.push(`acked counts readings only; the devices' ${t.statusesAcknowledged} status messages (online, sensor-error) were acknowledged too`);
  }
  if (c.attribution === 'fleet') {
    notes.push(
      `all devices share ${c.topic} on an external broker, so received, duplicates and lost are counted fleet-wide ` +
        '(multiset of the values published vs received); per device they are unknown' +
        (qos === 1 && fleet.fleetPendingCount === 0 ? ', except that nothing was lost' : '') +
        '. Use --per-device-topics for exact per-device loss.',
    );
  }
  let refusedExpected = 0;
  for (const d of fleet.devices) if (fleet.condition(d) === 'stopped') refusedExpected += d.expected;
  if (t.lost && refusedExpected) {
    notes.push(`${t.stopped} device(s) stopped because the broker refused them; the ${refusedExpected} readings they queued ` +
      'could never be delivered and are among the lost');
  }
  const drops = info.brokerDropped;
  if (drops && drops.after > drops.before && t.lost) {
    notes.push(`the broker says it dropped ${drops.after - drops.before} messages during the run ($SYS/broker/publish/messages/dropped, ` +
      'all its clients together): when a subscriber falls behind, mosquitto queues at most max_queued_messages (1000 by default) ' +
      'QoS 1 messages for it and drops the rest, so lost readings can be the broker\'s drops for host-sim\'s watcher, not the devices\' ' +
      '(raise max_queued_messages, or use --per-device-topics with fewer devices per host-sim)');
  }
  return {
    broker: info.broker,
    embeddedBroker: info.embedded,
    client: fleet.client,
    shard: info.shard,
    topics: { readings: readingTopic, status: readingTopic + '/status' },
    attribution: c.attribution,
    receivedOn: info.receivedOn,
    notes,
    devices: t.devices + t.removed,
    qos,
    interval: c.interval,
    seconds: round(res.seconds, 1),
    startupSeconds: round(res.startupSeconds, 1),
    totals: t,
    atStop: info.atStop,
    connectedAtStop: info.atStop.connected,
    errorsByCode,
    perDevice: rows,
    perDeviceComplete: complete,
    memory: {
      rss: res.rss,
      heapUsed: res.heapUsed,
      peakRss: res.peakRss,
      rssPerDevice: Math.round(Math.max(0, res.rss - res.baselineRss) / n),
      heapPerDevice: Math.round(Math.max(0, res.heapUsed - res.baselineHeap) / n),
    },
    cpu: {
      userMs: Math.round(res.cpuUserMs),
      systemMs: Math.round(res.cpuSystemMs),
      percentOfOneCore: round((100 * cpuMs) / Math.max(1, res.seconds * 1000), 1),
      perDeviceMsPerMinute: round((cpuMs / n) * (60 / Math.max(0.001, res.seconds)), 2),
    },
    faults: info.faults,
    brokerDropped: drops,
    limit: fleet.limit,
    warnings: info.warnings,
  };
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}

function kib(bytes: number): string {
  return bytes >= 10 * 1024 * 1024 ? (bytes / 1024 / 1024).toFixed(0) + ' MiB' : (bytes / 1024).toFixed(1) + ' KiB';
}

function pad(s: string | number, w: number): string {
  const t = String(s);
  return t.length >= w ? t : ' '.repeat(w - t.length) + t;
}

/**
 * The topics the subscriber got messages on, short: every topic when there are a few, otherwise
 * grouped by layout ("40039 on 10000 topics temp/<id>") — one line, not one entry per device.
 */
export function describeReceivedOn(receivedOn: Record<string, number>, readingTopic: string): string {
  const keys = Object.keys(receivedOn);
  if (keys.length === 0) return 'nothing';
  if (keys.length <= 6) return keys.map((k) => `${receivedOn[k]} on ${k}`).join(', ');
  const groups = new Map<string, { messages: number; topics: number }>();
  const base = readingTopic.replace(/\/<id>$/, '');
  for (const k of keys) {
    let g = k;
    if (k.indexOf(base + '/') === 0) g = k.endsWith('/status') ? base + '/<id>/status' : base + '/<id>';
    const e = groups.get(g) || { messages: 0, topics: 0 };
    e.messages += receivedOn[k];
    e.topics++;
    groups.set(g, e);
  }
  return [...groups].map(([g, e]) => `${e.messages} on ${e.topics === 1 ? g : e.topics + ' topics ' + g}`).join(', ');
}

const CONDITIONS: DeviceCondition[] = ['connected', 'connecting', 'stopped', 'waiting', 'removed'];

export function formatSummary(s: Summary): string {
  const t = s.totals;
  const out: string[] = [];
  out.push('');
  out.push(`host-sim summary — ${s.devices} device(s) running ${clientName(s.client)}, QoS ${s.qos}, every ${s.interval} ms, ` +
    `ran ${s.seconds} s (start-up ${s.startupSeconds} s before that), broker ${s.broker}${s.embeddedBroker ? ' (embedded aedes)' : ''}`);
  if (s.shard) out.push(`shard ${s.shard.index}/${s.shard.count}: devices ${s.shard.firstId} … ${s.shard.lastId}`);
  const head = ['device', 'state', 'readings', 'published', 'queued', 'dropped', 'acked', 'reconnects', 'received', 'lost'];
  const w = [Math.max(8, ...s.perDevice.map((r) => r.id.length)) + 2, 11, 9, 10, 7, 8, 7, 11, 9, 6];
  const line = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[0]) : pad(c, w[i]))).join('');
  const row = (r: DeviceRow) => line([r.id, r.state, r.readings, r.published, r.queued, r.dropped, r.acknowledged ?? '-', r.reconnects, r.received ?? '-', r.lost ?? '-']);
  if (s.perDeviceComplete) {
    out.push('per device (state: when the fleet was told to stop):');
    out.push(line(head));
    for (const r of s.perDevice) out.push(row(r));
  } else if (s.perDevice.length > 0) {
    out.push(`the ${s.perDevice.length} device(s) with the most trouble of ${s.devices} (lost, stopped, dropped, reconnects, errors; the others had none):`);
    out.push(line(head));
    for (const r of s.perDevice) out.push(row(r));
  } else {
    out.push(`all ${s.devices} devices: nothing lost or dropped, no reconnects, no errors, none stopped (so no per-device rows)`);
    out.push(line(head));
  }
  out.push(line(['total', '', t.readings, t.published, t.queued, t.dropped, t.acknowledged ?? '-', t.reconnects, t.received, t.lost === null ? '-' : t.lost]));
  const fleetWide = s.attribution === 'fleet' ? ' (fleet-wide: shared topic, senders unknown)' : '';
  if (t.lost !== null) {
    out.push(`lost: ${t.lost} of ${t.expected} QoS 1 readings never reached the subscriber${fleetWide}` + (t.duplicates ? ` (${t.duplicates} duplicate deliveries after reconnects)` : ''));
  } else {
    out.push(`QoS 0: ${t.received} readings received${fleetWide}; loss is allowed and not counted`);
  }
  out.push(`topics: readings on ${s.topics.readings}, status on ${s.topics.status}; the subscriber got ${describeReceivedOn(s.receivedOn, s.topics.readings)}`);
  const at = CONDITIONS.filter((c) => s.atStop[c] > 0).map((c) => `${s.atStop[c]} ${c === 'waiting' ? 'not started yet' : c}`);
  out.push(`devices: ${t.started} of ${s.devices} started; when told to stop: ${at.join(', ') || 'none'}`);
  const codes = Object.keys(s.errorsByCode).sort((a, b) => s.errorsByCode[b].count - s.errorsByCode[a].count);
  if (codes.length) {
    out.push('errors by code: ' + codes.map((c) => `${c} ×${s.errorsByCode[c].count} (${s.errorsByCode[c].devices} device${s.errorsByCode[c].devices === 1 ? '' : 's'})`).join(', '));
  }
  const m = s.memory;
  if (m.rss === 0) out.push('memory: unknown (reading it failed, see the limit below)');
  // Per device is the growth since start divided by the fleet: for a few devices that is noise
  // (Node's own allocations dominate), so it is shown from 100 devices on (always in --json).
  else if (t.started < 100) out.push(`memory: rss ${kib(m.rss)} (peak ${kib(m.peakRss)}), heap ${kib(m.heapUsed)}; per device: not shown below 100 devices, where Node's own memory drowns it`);
  else out.push(`memory: rss ${kib(m.rss)} (peak ${kib(m.peakRss)}), heap ${kib(m.heapUsed)}; per device: rss ${kib(m.rssPerDevice)}, heap ${kib(m.heapPerDevice)}`);
  out.push(`cpu: ${s.cpu.percentOfOneCore}% of one core (user ${s.cpu.userMs} ms, system ${s.cpu.systemMs} ms); per device ${s.cpu.perDeviceMsPerMinute} ms per minute`);
  if (s.faults) {
    const f = s.faults;
    const parts = [];
    if (f.latency) parts.push(`latency ${f.latency} ms`);
    if (f.chunk) parts.push(`chunk ${f.chunk} B`);
    if (f.dropEvery) parts.push(`drop every ~${f.dropEvery / 1000} s`);
    if (f.stall) parts.push('stalled');
    out.push(`faults: ${parts.join(', ')}; proxy saw ${f.connections} connections, cut ${f.cuts}`);
  }
  if (s.brokerDropped) out.push(`broker: $SYS/broker/publish/messages/dropped went from ${s.brokerDropped.before} to ${s.brokerDropped.after} during the run`);
  if (s.limit) out.push(describeLimit(s.limit));
  for (const note of s.notes) out.push('note: ' + note);
  for (const wmsg of s.warnings) out.push('warning: ' + wmsg);
  return out.join('\n');
}
