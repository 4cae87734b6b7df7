// The dashboard page: an MQTT client itself (our MqttClient over the WebSocket platform, as any
// browser app would use it), subscribed to the fleet's readings and statuses and to host-sim's
// status topic; controls go back to host-sim as MQTT messages on its control topic.
import uPlot from 'uplot';
import { MqttClient } from '../../../src/client.js';
import { createWebSocketPlatform } from '../../../src/platform/websocket.js';
import type { Control, SimStatus, Tile } from '../protocol.js';

interface PageConfig {
  readingFilter: string; statusFilter: string; simStatusTopic: string; controlTopic: string; embedded: boolean;
  username?: string; password?: string; // the broker's, when host-sim's --broker URL has them
}

const WINDOW_S = 300; // the chart shows the last 5 minutes
const RATE_WINDOW_MS = 5000;
const EVENTS_KEPT = 30;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const decoder = new TextDecoder();

// ---- chart: one x per status message (about a second), one line per device shown ----
const xs: number[] = [];
const ys = new Map<string, (number | null)[]>(); // device id → value at each x (null: no reading then)
let chart: uPlot | null = null;
let chartIds: string[] = [];

function chartData(): uPlot.AlignedData {
  return [xs, ...chartIds.map((id) => ys.get(id)!)] as uPlot.AlignedData;
}

function rebuildChart(): void {
  if (chart) chart.destroy();
  const box = $('chart');
  chart = new uPlot({
    width: Math.max(300, box.clientWidth),
    height: 280,
    scales: { x: { time: true } },
    legend: { live: false },
    series: [{}, ...chartIds.map((id, i) => ({ label: id, stroke: `hsl(${(i * 137) % 360} 65% 45%)`, width: 1.5, spanGaps: true }))],
    axes: [{}, { label: '°C' }],
  }, chartData(), box);
}

function addToChart(s: SimStatus): void {
  const at = s.at / 1000;
  xs.push(at);
  for (const series of ys.values()) series.push(null);
  let newIds = false;
  for (const t of s.tiles) {
    let series = ys.get(t.id);
    if (!series) {
      series = new Array(xs.length).fill(null);
      ys.set(t.id, series);
      newIds = true;
    }
    // the last reading taken since the previous status message, if any
    if (t.r.length >= 2) series[series.length - 1] = t.r[t.r.length - 1];
  }
  while (xs.length && xs[0] < at - WINDOW_S) {
    xs.shift();
    for (const series of ys.values()) series.shift();
  }
  if (newIds || !chart) {
    chartIds = [...ys.keys()];
    rebuildChart();
  } else {
    chart.setData(chartData());
  }
}

// ---- tiles ----
const tileEls = new Map<string, HTMLElement>();

function renderTile(t: Tile): void {
  let el = tileEls.get(t.id);
  if (!el) {
    el = document.createElement('div');
    el.dataset.device = t.id;
    el.innerHTML = '<span class="state"></span><div class="id"></div><div class="reading"></div><div class="counts"></div>' +
      '<div class="error"></div><button class="cut">Cut link</button><button class="stall">Stall</button>';
    el.querySelector('.id')!.textContent = t.id;
    const id = t.id;
    el.querySelector<HTMLButtonElement>('.cut')!.onclick = () => send({ cmd: 'cut', id });
    el.querySelector<HTMLButtonElement>('.stall')!.onclick = (ev) =>
      send({ cmd: 'stall', id, on: (ev.target as HTMLButtonElement).dataset.stalled !== 'true' });
    $('tiles').appendChild(el);
    tileEls.set(t.id, el);
  }
  el.className = 'tile ' + t.state;
  el.dataset.state = t.state;
  el.querySelector('.state')!.textContent = t.state + (t.stalled ? ' (stalled)' : '');
  // a reading the broker has not had yet (queued in the outbox, or refused) says so: the value alone would read as delivered
  el.querySelector('.reading')!.textContent = t.reading === null ? '–'
    : t.reading.toFixed(1) + ' °C' + (t.readingResult === 'sent' ? '' : ' (' + (t.readingResult === 'queued' ? 'queued, not sent yet' : t.readingResult) + ')');
  el.querySelector('.counts')!.textContent = `reconnects ${t.reconnects} · outbox ${t.outbox === null ? '–' : t.outbox}`;
  el.querySelector('.error')!.textContent = t.error ? t.error.code + ' — ' + t.error.message : '';
  const stall = el.querySelector<HTMLButtonElement>('.stall')!;
  stall.dataset.stalled = String(t.stalled);
  stall.textContent = t.stalled ? 'Lift stall' : 'Stall';
}

// ---- totals, rate, events ----
const arrivals: number[] = []; // times of readings this page received, for msg/s

function rate(): number {
  const now = Date.now();
  while (arrivals.length && arrivals[0] < now - RATE_WINDOW_MS) arrivals.shift();
  return arrivals.length / (RATE_WINDOW_MS / 1000);
}

function event(text: string): void {
  const pre = $('events');
  const lines = (new Date().toLocaleTimeString() + '  ' + text + '\n' + pre.textContent).split('\n');
  pre.textContent = lines.slice(0, EVENTS_KEPT).join('\n');
}

let lastControlAt = 0;

function onSimStatus(s: SimStatus): void {
  const t = s.totals;
  $('run').textContent = `${s.run.client === 'lite' ? 'LiteClient' : 'MqttClient'} devices, QoS ${s.run.qos}, every ${s.run.interval} ms, ` +
    `broker ${s.run.broker}${s.run.embedded ? ' (embedded aedes)' : ''}`;
  const cell = (label: string, v: number | string | null) => `<span><b>${v === null ? '–' : v}</b>${label}</span>`;
  $('totals').innerHTML = [
    cell('devices', t.devices), cell('connected', t.connected), cell('connecting', t.connecting), cell('stopped', t.stopped),
    cell('published', t.published), cell('acked', t.acked), cell('queued', t.queued), cell('dropped', t.dropped),
    cell('reconnects', t.reconnects), cell('not received yet', t.lost), // QoS 1 readings still in flight or queued
    cell('msg/s here', rate().toFixed(1)), cell('msg/s at host-sim', s.rate.toFixed(1)),
  ].join('');
  $('top-error').textContent = s.topError ? `${s.topError.devices} device(s): ${s.topError.code} — ${s.topError.message}` : '';
  for (const tile of s.tiles) renderTile(tile);
  const shown = s.tiles.length;
  const all = t.devices + t.removed;
  $('tiles-note').textContent = shown < all ? `showing the first ${shown} of ${all} devices` : '';
  $('chart-note').textContent = shown < all ? `lines for the first ${shown} of ${all} devices` : '';
  addToChart(s);
  if (s.control && s.control.at !== lastControlAt) {
    lastControlAt = s.control.at;
    const r = $('control-result');
    r.textContent = s.control.text;
    r.className = s.control.ok ? 'ok' : 'bad';
    event('control: ' + s.control.text);
  }
}

// ---- the MQTT client ----
let client: MqttClient;

function send(c: Control): void {
  const r = client.publish(cfg.controlTopic, JSON.stringify(c), 1, false);
  if (r !== 'sent' && r !== 'queued') event('control not sent: ' + r);
}

const cfg: PageConfig = await (await fetch('config.json')).json();
$<HTMLButtonElement>('restart').disabled = !cfg.embedded;
if (!cfg.embedded) $('restart').title = 'host-sim uses an external broker';
$('restart').onclick = () => send({ cmd: 'restart-broker' });
$('add').onclick = () => {
  const password = $<HTMLInputElement>('add-password').value;
  send(Object.assign({ cmd: 'add' as const, count: Number($<HTMLInputElement>('add-count').value) }, password ? { password } : {}));
};
$('remove').onclick = () => send({ cmd: 'remove', count: Number($<HTMLInputElement>('remove-count').value) });

client = new MqttClient({
  url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/mqtt',
  clientId: 'dashboard-' + Math.floor(Math.random() * 0xffffffff).toString(16),
  username: cfg.username,
  password: cfg.password,
  keepalive: 30,
  receiveBufferSize: 512 * 1024, // a status message with 100 tiles is ~20 KB
  transmitBufferSize: 4096,
  reconnect: { min: 500, max: 5000 },
  platform: createWebSocketPlatform(),
});
client.subscribe(cfg.simStatusTopic, 0, (_t, payload) => onSimStatus(JSON.parse(decoder.decode(payload))));
client.subscribe(cfg.readingFilter, 0, () => { arrivals.push(Date.now()); });
client.subscribe(cfg.statusFilter, 0, (topic, payload, info) => event(`${topic}: ${decoder.decode(payload)}${info.retain ? ' (retained)' : ''}`));
client.onConnect = () => {
  $('link').textContent = 'connected to the broker over MQTT over WebSocket';
  $('link').className = 'up';
};
client.onClose = () => {
  $('link').textContent = 'broker link lost — reconnecting…';
  $('link').className = 'down';
};
client.onError = (e) => event('dashboard: ' + e.code + ' — ' + e.message);
client.connect();

// For the browser test: how many readings each device has on the chart now.
(window as unknown as { hostSim: unknown }).hostSim = {
  chartPoints(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, series] of ys) out[id] = series.filter((v) => v !== null).length;
    return out;
  },
};
