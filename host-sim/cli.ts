#!/usr/bin/env node
// `host-sim` / `npm start`: a broker (embedded aedes unless --broker), a fleet of simulated
// temperature sensors running the firmware app (with MqttClient, or with --client lite the
// LiteClient Espruino boards run), a subscriber that shows what arrives, optional
// faults in between, and a summary at the end (--duration or Ctrl-C).
import { readFileSync } from 'node:fs';
import { parseOptions, UsageError, HELP, type SimOptions } from './args.js';
import type { EmbeddedBroker } from './broker.js';
import { FaultProxy } from './fault-proxy.js';
import { Fleet, type Attribution, type DeviceCondition, type DevicePlatform, type DeviceState } from './fleet.js';
import { PublisherMatcher } from './attribution.js';
import { Subscriber } from './subscriber.js';
import { statusLine, totals, summarize, formatSummary, clientName, type BrokerDrops, type Resources } from './report.js';
import { describeLimit, limitIn, preflight } from './limits.js';
import { parseBrokerUrl } from '../src/url.js';
import type { Platform } from '../src/client.js';
import { createWebSocketPlatform, type WebSocketClass } from '../src/platform/websocket.js';
import { createNodePlatform } from './node-platform.js';
import { createNodeLitePlatform } from './node-lite-platform.js';
import { simTopics, type SimStatus } from './dashboard/protocol.js';
import { buildStatus } from './dashboard/status.js';
import { applyControl, parseControl } from './dashboard/control.js';

// Readings are printed one per line only for fleets small enough to read.
const PRINT_READINGS_UP_TO = 20;
const RATE_WINDOW_MS = 5000;
const TTY_REDRAW_MS = 500;
const SIM_STATUS_MS = 1000; // the dashboard's status message
// mosquitto's count of messages it dropped (all clients); it publishes $SYS every sys_interval (10 s by default)
const SYS_DROPPED = '$SYS/broker/publish/messages/dropped';

/** A module host-sim needs only for some runs (an installed package has aedes and ws as optional
 *  peers): loaded when wanted, with a line saying what to install when that package is missing.
 *  `load` is a literal import() so that `npm start`'s bundle (scripts/start.mjs) contains our own
 *  modules; any other failure is shown as it is, not blamed on the package. */
async function optional<T>(load: () => Promise<T>, pkg: string, what: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ERR_MODULE_NOT_FOUND' || String(err.message).indexOf("'" + pkg + "'") < 0) throw e;
    process.stderr.write(`host-sim: ${what} needs the ${pkg} package: npm install ${pkg}\n`);
    process.exit(1);
  }
}

function usage(message: string): never {
  process.stderr.write(`host-sim: ${message} (see --help)\n`);
  process.exit(2);
}

/** The same URL with host:port replaced (credentials and scheme kept): devices go through the proxy. */
function viaProxy(url: string, port: number): string {
  const m = /^([a-z]+:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i.exec(url);
  if (!m) return url;
  return m[1] + (m[2] !== undefined ? m[2] + '@' : '') + '127.0.0.1:' + port + m[4];
}

// Reading memory opens /proc/self/statm: at the file-descriptor limit that fails too, and a
// summary with memory unknown (0) beats a crash.
function safeRss(): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    return 0;
  }
}

/** The kernel's high-water mark of this process's resident memory (exact, unlike sampling), or 0. */
function peakRssFromKernel(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function safeMemory(): { rss: number; heapUsed: number } {
  try {
    return process.memoryUsage();
  } catch {
    return { rss: 0, heapUsed: 0 };
  }
}

/** The URL without its password, for anything printed. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
  return cond();
}

async function main(argv: string[]): Promise<void> {
  let opts: SimOptions;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) usage(e.message);
    throw e;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }

  // With --json, stdout carries the summary only; everything for people goes to stderr.
  const human = opts.json ? process.stderr : process.stdout;
  const tty = !!human.isTTY;
  let statusShown = false;
  const say = (line: string) => {
    human.write((statusShown ? '\r\x1b[K' : '') + line + '\n');
    statusShown = false;
  };
  const warnings: string[] = [];

  let embedded: EmbeddedBroker | null = null;
  let brokerUrl: string;
  if (opts.broker) {
    brokerUrl = opts.broker;
  } else {
    const { startEmbeddedBroker } = await optional(() => import('./broker.js'), 'aedes', 'the embedded broker');
    embedded = await startEmbeddedBroker(1883);
    brokerUrl = embedded.url;
    say(`embedded aedes broker on 127.0.0.1:${embedded.port}` + (embedded.preferredTaken ? ' (1883 is taken, so a free port)' : ''));
  }
  const topics = simTopics(opts.shard);
  const readingFilter = opts.perDeviceTopics ? opts.topic + '/+' : opts.topic;
  const statusFilter = readingFilter + '/status';
  let dashboard: import('./dashboard/server.js').Dashboard | null = null;
  if (opts.dashboard) {
    // loaded only when wanted: --no-dashboard starts without the web server or esbuild
    const { startDashboard } = await import('./dashboard/server.js');
    const { bridgeTo } = await import('./dashboard/bridge.js');
    const emb = embedded;
    try {
      dashboard = await startDashboard(opts.dashboardPort,
        { readingFilter, statusFilter, simStatusTopic: topics.status, controlTopic: topics.control, embedded: !!emb,
          username: parseBrokerUrl(brokerUrl).username, password: parseBrokerUrl(brokerUrl).password },
        emb ? (stream) => emb.handle(stream) : bridgeTo(brokerUrl, opts.ca));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        process.stderr.write(`host-sim: cannot serve the dashboard on port ${opts.dashboardPort}: the port is taken (pick another with --dashboard-port, 0 for a free one, or --no-dashboard)\n`);
        if (embedded) await embedded.close();
        process.exit(1);
      }
      // e.g. an installed package, which has no page sources to bundle: the fleet runs without it
      process.stderr.write(`host-sim: no dashboard (${(e as Error).message}); --no-dashboard starts without trying\n`);
    }
    if (dashboard) {
      say(`dashboard: ${dashboard.url}  (its MQTT over WebSocket, for any client: ${dashboard.wsUrl}` +
        (embedded ? ', the embedded broker' : ', relayed to ' + redact(brokerUrl)) + ')');
    }
  }

  let proxy: FaultProxy | null = null;
  let deviceUrl = brokerUrl;
  if (opts.faults) {
    const target = parseBrokerUrl(brokerUrl);
    proxy = new FaultProxy(target.host, target.port, opts.faults);
    deviceUrl = viaProxy(brokerUrl, await proxy.listen(0));
  }

  const fdsPerDevice = 1 + (embedded ? 1 : 0) + (proxy ? 2 : 0);
  for (const w of preflight(opts.devices, fdsPerDevice)) {
    warnings.push(w);
    process.stderr.write('host-sim: warning: ' + w + '\n');
  }

  // The subscriber always runs MqttClient; the devices run the client chosen, with the same TLS
  // trust. ws:// and wss:// brokers: MqttClient over the WebSocket platform, with the ws
  // package's WebSocket (Node 20 has no global one).
  let platform: Platform;
  if (parseBrokerUrl(brokerUrl).path !== undefined) {
    const ca = opts.ca;
    const { WebSocket } = await optional(() => import('ws'), 'ws', 'MQTT over WebSocket');
    const WS = ca === undefined ? WebSocket : class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) { super(url, protocols, { ca }); }
    };
    platform = createWebSocketPlatform({ WebSocket: WS as unknown as WebSocketClass });
  } else {
    platform = createNodePlatform({ ca: opts.ca });
  }
  const devicePlatform: DevicePlatform = opts.client === 'lite'
    ? { client: 'lite', platform: createNodeLitePlatform({ ca: opts.ca }) }
    : { client: 'full', platform };
  const printReadings = !opts.quiet && opts.devices <= PRINT_READINGS_UP_TO;
  if (!opts.quiet && !printReadings) {
    say(`readings are not printed for more than ${PRINT_READINGS_UP_TO} devices; the status line and the summary count them`);
  }
  // --shard i/n: this process runs its share of the fleet, ids continuing where shard i-1 stops
  let share = opts.devices;
  let firstId = 1;
  if (opts.shard) {
    const base = Math.floor(opts.devices / opts.shard.count);
    const extra = opts.devices % opts.shard.count;
    const i = opts.shard.index - 1;
    share = base + (i < extra ? 1 : 0);
    firstId = 1 + i * base + Math.min(i, extra);
  }

  const statusTopic = opts.topic + '/status';
  const attribution: Attribution = opts.perDeviceTopics ? 'topic' : embedded ? 'broker' : 'fleet';
  // Only the embedded broker can say who published on a topic the whole fleet shares.
  const matcher = attribution === 'broker' ? new PublisherMatcher(new Set([opts.topic, statusTopic])) : null;
  if (matcher && embedded) embedded.onPublish((t, p, id) => matcher.published(t, p, id));

  const idWidth = (opts.idPrefix + (firstId + share - 1)).length;
  const topicWidth = opts.perDeviceTopics ? (opts.topic + '/' + opts.idPrefix + (firstId + share - 1) + '/status').length : statusTopic.length;
  // "sim-2  temp         21.5": the sender first when it is known, then the topic as a subscriber sees it.
  const show = (id: string | null, topic: string, text: string) =>
    say((attribution === 'fleet' ? '' : (id ?? '?').padEnd(idWidth) + '  ') + topic.padEnd(topicWidth) + '  ' + text);

  let fleet: Fleet | null = null;
  const onReading = (topic: string, d: DeviceState | null, payload: string) => {
    if (!fleet) return; // before the fleet exists nothing is owed
    if (attribution === 'fleet') fleet.deliveredSomewhere(payload);
    else {
      // No sender known (the broker event never came): count it for a device that owes this value.
      const to = d ?? fleet.ownerOf(payload);
      if (!to) return; // another publisher on the same topic
      fleet.delivered(to, payload);
      d = to;
    }
    if (printReadings) show(d ? d.id : null, topic, payload);
  };
  const onStatus = (topic: string, d: DeviceState | null, payload: string, retained: boolean) => {
    if (printReadings) show(d ? d.id : null, topic, payload + (retained ? ' (retained)' : ''));
  };
  const device = (id: string | null) => (id !== null && fleet ? fleet.byId.get(id) ?? null : null);
  const subscriber = new Subscriber(brokerUrl, opts.topic, opts.perDeviceTopics, opts.idPrefix + 'watch-' + (opts.shard ? opts.shard.index + '-' : '') + process.pid, platform, {
    reading(topic, id, payload) {
      if (matcher) matcher.received(topic, payload, (sender) => onReading(topic, device(sender), payload));
      else if (attribution === 'topic' && !device(id)) return; // another publisher on the same tree
      else onReading(topic, device(id), payload);
    },
    status(topic, id, payload, retained) {
      if (matcher) matcher.received(topic, payload, (sender) => onStatus(topic, device(sender), payload, retained));
      else onStatus(topic, device(id), payload, retained);
    },
  }, opts.dashboard ? 256 * 1024 : 1024);

  // What mosquitto says it dropped, so lost readings can be told from the broker's own drops.
  let sysDropped: { first: number; last: number; updates: number } | null = null;
  if (!embedded) {
    subscriber.client.subscribe(SYS_DROPPED, 0, (_t, payload) => {
      const n = Number(Buffer.from(payload).toString('latin1'));
      if (!Number.isFinite(n)) return;
      if (!sysDropped) sysDropped = { first: n, last: n, updates: 1 };
      else sysDropped = { first: sysDropped.first, last: n, updates: sysDropped.updates + 1 };
    });
  }
  // The dashboard's controls, and what the last one did (shown in the next status message).
  let lastControl: SimStatus['control'] = null;
  let fleetRef: Fleet | null = null;
  let publishSimStatus = () => {}; // set once the fleet exists
  if (opts.dashboard) {
    subscriber.client.subscribe(topics.control, 1, (_t, payload) => {
      const c = parseControl(Buffer.from(payload).toString('utf8'));
      const f = fleetRef;
      if (!f) return;
      if (typeof c === 'string') {
        lastControl = { at: Date.now(), text: 'control refused: ' + c, ok: false };
        return;
      }
      applyControl(c, f, embedded).then(
        (r) => {
          lastControl = { at: Date.now(), text: r.text, ok: r.ok };
          if (!opts.quiet) say('dashboard: ' + r.text);
          publishSimStatus(); // at once: the page shows the effect (a cut device reconnecting) without waiting for the next tick
        },
        (e) => { lastControl = { at: Date.now(), text: 'control failed: ' + String((e && e.message) || e), ok: false }; },
      );
    });
  }
  try {
    await subscriber.start(10000);
  } catch (e) {
    process.stderr.write(`host-sim: cannot reach the broker at ${redact(brokerUrl)}: ${(e as Error).message}\n`);
    subscriber.end();
    if (proxy) await proxy.close();
    if (dashboard) await dashboard.close();
    if (embedded) await embedded.close();
    process.exit(1);
  }
  const fleetName = opts.shard
    ? `${share} device(s) (shard ${opts.shard.index}/${opts.shard.count} of ${opts.devices}: ${opts.idPrefix}${firstId} … ${opts.idPrefix}${firstId + share - 1}) running ${clientName(opts.client)}`
    : `${opts.devices} device(s) running ${clientName(opts.client)}`;
  say(opts.perDeviceTopics
    ? `subscriber on ${opts.topic}/+ and ${opts.topic}/+/status — ${fleetName} publish to ${opts.topic}/<id> every ${opts.interval} ms, QoS ${opts.qos}` +
      (proxy ? ' through the fault proxy' : '')
    : `subscriber on ${opts.topic} and ${statusTopic} — ${fleetName} publish to ${opts.topic} every ${opts.interval} ms, QoS ${opts.qos}` +
      (proxy ? ' through the fault proxy' : '') +
      (attribution === 'fleet' ? '; senders unknown on an external broker, loss counted fleet-wide' : ''));

  const f = new Fleet({
    broker: deviceUrl,
    devices: share,
    firstId,
    interval: opts.interval,
    qos: opts.qos,
    topic: opts.topic,
    perDeviceTopics: opts.perDeviceTopics,
    attribution,
    idPrefix: opts.idPrefix,
    ramp: opts.ramp,
    devicePlatform,
    onLimit: (l) => say('host-sim: ' + describeLimit(l) + ` (${f.started} devices started; no more will be)`),
  });
  fleet = f;
  fleetRef = f;

  process.on('uncaughtException', (e) => {
    const l = limitIn(String((e as NodeJS.ErrnoException).code) + ' ' + String(e && e.message));
    process.stderr.write('\nhost-sim: ' + (l ? describeLimit(l) : 'unexpected error') + ': ' + ((e && e.stack) || e) + '\n');
    process.exit(1);
  });

  const mem0 = process.memoryUsage();
  let peakRss = mem0.rss;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  // everything before the first device: (npm start's) build, broker, dashboard, subscriber
  const startupSeconds = (t0 - performance.timeOrigin) / 1000;

  // msg/s over the last ~5 s: a terminal redraws several times a second, and a slow fleet
  // receives nothing in most of those slices. samples[0] is the newest sample at least that old.
  const samples: { at: number; received: number }[] = [{ at: t0, received: 0 }];
  const showStatus = () => {
    const now = Date.now();
    const t = totals(f);
    samples.push({ at: now, received: t.received });
    while (samples.length > 2 && now - samples[1].at >= RATE_WINDOW_MS) samples.shift();
    const rate = ((t.received - samples[0].received) * 1000) / Math.max(1, now - samples[0].at);
    const rss = safeRss();
    if (rss > peakRss) peakRss = rss;
    lastRate = rate;
    if (tty) {
      // one row less than the terminal is wide: a wrapped line cannot be redrawn in place
      const width = ((human as NodeJS.WriteStream).columns || 80) - 1;
      human.write('\r\x1b[K' + statusLine(t, rate, width));
      statusShown = true;
    } else {
      human.write(`[${((now - t0) / 1000).toFixed(0)}s] ${statusLine(t, rate)}\n`);
    }
  };
  let lastRate = 0;
  const statusTimer = setInterval(showStatus, tty ? TTY_REDRAW_MS : opts.report * 1000);
  const run: SimStatus['run'] = {
    client: opts.client, qos: opts.qos, interval: opts.interval, broker: redact(brokerUrl), embedded: !!embedded,
    topic: opts.topic, perDeviceTopics: opts.perDeviceTopics, readingFilter, statusFilter,
  };
  publishSimStatus = () => {
    if (subscriber.client.connected) subscriber.client.publish(topics.status, JSON.stringify(buildStatus(f, lastRate, run, lastControl)), 0, false);
  };
  const simStatusTimer = opts.dashboard ? setInterval(publishSimStatus, SIM_STATUS_MS) : null;

  let stopping = false;
  const shutdown = async (why: 'duration' | 'signal') => {
    if (stopping) return;
    stopping = true;
    // Readings taken from now on are neither owed to the subscriber nor counted; those already
    // taken are given time to arrive (through reconnects and resends), so "lost" means lost, not "late".
    f.cutOff();
    // A stalled proxy delivers nothing however long we wait; cuts need time for backoff + resend.
    const drainMs = opts.faults && opts.faults.stall ? 1000 : why === 'signal' ? 3000 : proxy ? 20000 : 5000;
    await waitFor(() => f.outstanding() === 0, drainMs);
    const mem = safeMemory();
    const cpu = process.cpuUsage(cpu0);
    const res: Resources = {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      baselineRss: mem0.rss,
      baselineHeap: mem0.heapUsed,
      peakRss: Math.max(peakRss, mem.rss, peakRssFromKernel()),
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      seconds: (Date.now() - t0) / 1000,
      startupSeconds,
    };
    clearInterval(statusTimer);
    if (simStatusTimer) clearInterval(simStatusTimer);
    // Loss with mosquitto's $SYS counter in view: wait for its next update (every 10 s by
    // default) so the drops of the last seconds are in it too.
    // (Loss the refused devices explain needs no broker's word.)
    let refused = 0;
    for (const d of f.devices) if (d.stopped) refused += d.expected;
    if (sysDropped && (totals(f).lost ?? 0) > refused) {
      const seen = (sysDropped as { updates: number }).updates;
      await waitFor(() => (sysDropped as { updates: number }).updates > seen, 11000);
    }
    const drops: BrokerDrops | null = sysDropped ? { before: (sysDropped as { first: number }).first, after: (sysDropped as { last: number }).last } : null;
    const statusesBefore = subscriber.statuses;
    f.stop(); // notes where each device was (connected, stopped…) before ending it
    const atStop: Record<DeviceCondition, number> = { waiting: 0, connecting: 0, connected: 0, stopped: 0, removed: 0 };
    for (const d of f.devices) atStop[f.condition(d)]++;
    // The stall fault would hold every DISCONNECT back: let the proxy pass them.
    if (proxy) proxy.stall(false);
    await waitFor(() => f.connectedCount() === 0, 3000);
    // Let the subscriber show the devices' parting "offline" (bounded: some links may be cut).
    await waitFor(() => subscriber.statuses - statusesBefore >= f.started, 1000);
    subscriber.end();
    await sleep(50);
    if (matcher) matcher.close();
    const summary = summarize(f, res, {
      broker: redact(brokerUrl),
      embedded: !!embedded,
      faults: proxy ? Object.assign({}, opts.faults, { connections: proxy.stats.connections, cuts: proxy.stats.cuts }) : null,
      warnings,
      receivedOn: Object.fromEntries(subscriber.perTopic),
      atStop,
      brokerDropped: drops,
      shard: opts.shard ? { index: opts.shard.index, count: opts.shard.count, firstId: opts.idPrefix + firstId, lastId: opts.idPrefix + (firstId + share - 1) } : null,
    });
    if (proxy) await proxy.close();
    if (dashboard) await dashboard.close();
    if (embedded) await Promise.race([embedded.close(), sleep(2000)]);
    if (statusShown) human.write('\n');
    if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else process.stdout.write(formatSummary(summary) + '\n');
    process.exit(0);
  };

  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: the user does not want to wait
    say('stopping…');
    void shutdown('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (opts.duration !== undefined) setTimeout(() => void shutdown('duration'), opts.duration * 1000);

  await f.start();
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write('host-sim: ' + ((e && e.stack) || e) + '\n');
  process.exit(1);
});
