// What host-sim tells the user: the live status line and the final summary (text or JSON).
import type { Fleet, DeviceState, Attribution } from './fleet.js';
import type { ClientKind } from './args.js';
import { describeLimit, type LimitHit } from './limits.js';

export interface Totals {
  devices: number;
  started: number;
  connected: number;
  readings: number; // samples taken by the apps
  published: number; // written to the broker at once ('sent')
  queued: number; // put in the outbox while offline or with the window full
  dropped: number; // refused by the client (QUEUE_FULL, NOT_CONNECTED at QoS 0)
  acknowledged: number | null; // PUBACKs the devices got (readings and status messages); null: LiteClient does not tell
  reconnects: number; // connection attempts after each device's first
  received: number; // readings the subscriber got (duplicates excluded)
  duplicates: number;
  expected: number; // QoS 1 readings the subscriber must receive
  lost: number | null; // QoS 1 only: expected but never received
}

export interface DeviceRow {
  id: string;
  connected: boolean;
  readings: number;
  published: number;
  queued: number;
  dropped: number;
  acknowledged: number | null; // null: LiteClient does not report PUBACKs
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
  let acknowledged: number | null = fleet.client === 'lite' ? null : 0;
  let reconnects = 0;
  if (run && run.client === 'full') {
    acknowledged = run.app.client.stats.acked;
    reconnects = run.app.client.stats.reconnects;
  } else if (run) {
    reconnects = Math.max(0, run.connects - 1);
  }
  // Fleet-wide accounting can still say "none of this device's readings were lost" when none of anybody's were.
  const lost = qos !== 1 ? null : !fleetWide ? d.pendingCount : fleet.fleetPendingCount === 0 ? 0 : null;
  return {
    id: d.id,
    connected: !!app && app.client.connected,
    readings: app ? app.stats.samples : 0,
    published: app ? app.stats.published : 0,
    queued: app ? app.stats.queued : 0,
    dropped: app ? app.stats.dropped : 0,
    acknowledged,
    reconnects,
    received: fleetWide ? null : d.received,
    duplicates: fleetWide ? null : d.duplicates,
    lost,
  };
}

export function totals(fleet: Fleet): Totals {
  const qos = fleet.config.qos;
  const t: Totals = {
    devices: fleet.devices.length, started: fleet.started, connected: 0, readings: 0, published: 0, queued: 0,
    dropped: 0, acknowledged: fleet.client === 'lite' ? null : 0, reconnects: 0, received: 0, duplicates: 0, expected: 0, lost: qos === 1 ? 0 : null,
  };
  const fleetWide = fleet.config.attribution === 'fleet';
  for (const d of fleet.devices) {
    const r = deviceRow(d, fleet);
    if (r.connected) t.connected++;
    t.readings += r.readings;
    t.published += r.published;
    t.queued += r.queued;
    t.dropped += r.dropped;
    if (t.acknowledged !== null && r.acknowledged !== null) t.acknowledged += r.acknowledged;
    t.reconnects += r.reconnects;
    t.received += r.received ?? 0;
    t.duplicates += r.duplicates ?? 0;
    t.expected += d.expected;
    if (t.lost !== null && !fleetWide) t.lost += d.pendingCount;
  }
  if (fleetWide) {
    t.received = fleet.fleetReceived;
    t.duplicates = fleet.fleetDuplicates;
    if (t.lost !== null) t.lost = fleet.fleetPendingCount;
  }
  return t;
}

export function statusLine(t: Totals, rate: number): string {
  return (
    `devices ${t.connected}/${t.started} connected (${t.started - t.connected} connecting)` +
    ` | published ${t.published} acked ${t.acknowledged ?? '-'} queued ${t.queued} dropped ${t.dropped}` +
    ` | received ${t.received} | reconnects ${t.reconnects} | ${rate.toFixed(1)} msg/s`
  );
}

export interface Resources {
  rss: number; // bytes, at the end
  heapUsed: number;
  baselineRss: number; // before the first device started
  baselineHeap: number;
  peakRss: number;
  cpuUserMs: number; // since the first device started
  cpuSystemMs: number;
  seconds: number; // wall time since the first device started
}

export interface Summary {
  broker: string;
  embeddedBroker: boolean;
  client: ClientKind; // full: MqttClient, lite: LiteClient (what Espruino boards run)
  topics: { readings: string; status: string }; // '<id>' stands for each device's id
  attribution: Attribution; // how received readings were tied to devices
  receivedOn: Record<string, number>; // topic → messages the subscriber got there (readings and statuses)
  notes: string[];
  devices: number;
  qos: number;
  interval: number;
  seconds: number;
  totals: Totals;
  perDevice: DeviceRow[];
  perDeviceComplete: boolean; // false: only the worst few devices are listed
  memory: { rss: number; heapUsed: number; peakRss: number; rssPerDevice: number; heapPerDevice: number };
  cpu: { userMs: number; systemMs: number; percentOfOneCore: number; perDeviceMsPerMinute: number };
  faults: null | { latency?: number; chunk?: number; dropEvery?: number; stall?: boolean; connections: number; cuts: number };
  limit: LimitHit | null;
  warnings: string[];
}

const LIST_ALL_UP_TO = 20;
const LIST_WORST = 5;

export function summarize(
  fleet: Fleet,
  res: Resources,
  info: { broker: string; embedded: boolean; faults: Summary['faults']; warnings: string[]; receivedOn: Record<string, number> },
): Summary {
  const qos = fleet.config.qos;
  const c = fleet.config;
  const readingTopic = c.perDeviceTopics ? c.topic + '/<id>' : c.topic;
  let rows = fleet.devices.map((d) => deviceRow(d, fleet));
  const complete = rows.length <= LIST_ALL_UP_TO;
  if (!complete) {
    rows = rows
      .slice()
      .sort((a, b) => (b.lost || 0) - (a.lost || 0) || b.dropped - a.dropped || b.reconnects - a.reconnects)
      .slice(0, LIST_WORST);
  }
  const n = Math.max(1, fleet.started);
  const cpuMs = res.cpuUserMs + res.cpuSystemMs;
  const notes: string[] = [];
  if (fleet.client === 'lite') {
    notes.push('LiteClient reports no PUBACKs (no onPublished, no counters), so acked is unknown (-, null in JSON); ' +
      'its reconnects are counted by host-sim, as connection attempts after the first');
  }
  if (c.attribution === 'fleet') {
    notes.push(
      `all devices share ${c.topic} on an external broker, so received, duplicates and lost are counted fleet-wide ` +
        '(multiset of the values published vs received); per device they are unknown' +
        (qos === 1 && fleet.fleetPendingCount === 0 ? ', except that nothing was lost' : '') +
        '. Use --per-device-topics for exact per-device loss.',
    );
  }
  return {
    broker: info.broker,
    embeddedBroker: info.embedded,
    client: fleet.client,
    topics: { readings: readingTopic, status: readingTopic + '/status' },
    attribution: c.attribution,
    receivedOn: info.receivedOn,
    notes,
    devices: fleet.devices.length,
    qos,
    interval: c.interval,
    seconds: round(res.seconds, 1),
    totals: totals(fleet),
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

export function formatSummary(s: Summary): string {
  const t = s.totals;
  const out: string[] = [];
  out.push('');
  out.push(`host-sim summary — ${s.devices} device(s) running ${clientName(s.client)}, QoS ${s.qos}, every ${s.interval} ms, ${s.seconds} s, broker ${s.broker}${s.embeddedBroker ? ' (embedded aedes)' : ''}`);
  const head = ['device', 'readings', 'published', 'queued', 'dropped', 'acked', 'reconnects', 'received', 'lost'];
  const w = [Math.max(8, ...s.perDevice.map((r) => r.id.length)) + 2, 9, 10, 7, 8, 7, 11, 9, 6];
  const line = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[0]) : pad(c, w[i]))).join('');
  out.push(s.perDeviceComplete ? 'per device:' : `the ${s.perDevice.length} worst of ${s.devices} devices:`);
  out.push(line(head));
  for (const r of s.perDevice) {
    out.push(line([r.id, r.readings, r.published, r.queued, r.dropped, r.acknowledged ?? '-', r.reconnects, r.received ?? '-', r.lost ?? '-']));
  }
  out.push(line(['total', t.readings, t.published, t.queued, t.dropped, t.acknowledged ?? '-', t.reconnects, t.received, t.lost === null ? '-' : t.lost]));
  const fleetWide = s.attribution === 'fleet' ? ' (fleet-wide: shared topic, senders unknown)' : '';
  if (t.lost !== null) {
    out.push(`lost: ${t.lost} of ${t.expected} QoS 1 readings never reached the subscriber${fleetWide}` + (t.duplicates ? ` (${t.duplicates} duplicate deliveries after reconnects)` : ''));
  } else {
    out.push(`QoS 0: ${t.received} readings received${fleetWide}; loss is allowed and not counted`);
  }
  out.push(`topics: readings on ${s.topics.readings}, status on ${s.topics.status}; the subscriber got ` +
    (Object.keys(s.receivedOn).map((k) => `${s.receivedOn[k]} on ${k}`).join(', ') || 'nothing'));
  out.push(`devices: ${t.started} of ${s.devices} started, ${t.connected} connected at the end`);
  const m = s.memory;
  if (m.rss === 0) out.push('memory: unknown (reading it failed, see the limit below)');
  // Per device is the growth since start divided by the fleet: for a few devices that is noise
  // (Node's own allocations dominate), so it is shown from 100 devices on (always in --json).
  else if (s.devices < 100) out.push(`memory: rss ${kib(m.rss)} (peak ${kib(m.peakRss)}), heap ${kib(m.heapUsed)}; per device: measured from 100 devices on`);
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
  if (s.limit) out.push(describeLimit(s.limit));
  for (const note of s.notes) out.push('note: ' + note);
  for (const wmsg of s.warnings) out.push('warning: ' + wmsg);
  return out.join('\n');
}
