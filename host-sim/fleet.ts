// The simulated fleet: N copies of the firmware's temperature-sensor app (the same compiled code a
// board runs), each with its own simulated sensor, started at a bounded rate, optionally behind the
// fault proxy. It only observes the app (stats, onReading, the client's counters); it never
// re-implements what the app does. The devices run MqttClient (as on Moddable) or LiteClient (as
// on Espruino, over the byte-string Node platform): the app is the same either way.
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorApp } from '../src/apps/temp-sensor.js';
import { MqttClient } from '../src/client.js';
import { LiteClient } from '../src/lite/client.js';
import type { LitePlatform, LiteSink, LiteTransport } from '../src/lite/types.js';
import { formatCelsius } from '../src/apps/sensor.js';
import type { Platform } from '../src/client.js';
import { SimulatedSensor, hostBoard } from '../boards/host.js';
import { limitIn, type LimitHit } from './limits.js';
import type { ClientKind } from './args.js';

// How a reading the subscriber got is tied to its device: by its topic (--per-device-topics), by
// the embedded broker's word (shared topics), or not at all (shared topics on an external broker:
// loss is then counted over the whole fleet).
export type Attribution = 'topic' | 'broker' | 'fleet';

export interface DeviceState {
  id: string;
  topic: string;
  statusTopic: string;
  run: DeviceRun | null; // null until its turn in the ramp
  // QoS 1 readings the app handed to the client ('sent' or 'queued') that the subscriber has not
  // seen yet, as a multiset of payloads: readings carry no sequence number, so equal values are
  // interchangeable (see the loss note in the README).
  pending: Map<string, number>;
  pendingCount: number;
  expected: number; // QoS 1 readings counted for loss accounting
  received: number; // readings the subscriber matched to this device (not counted when attribution is 'fleet')
  duplicates: number; // readings the subscriber got beyond what was expected (resends after a cut)
}

/** A started device: the app, with the client class it was given. */
export type DeviceRun =
  | { client: 'full'; app: TempSensorApp<MqttClient> }
  // LiteClient keeps no counters; `connects` counts its platform.connect calls (the first and
  // every retry), as MqttClient's stats.reconnects counts its retries.
  | { client: 'lite'; app: TempSensorApp<LiteClient>; connects: number };

/** The platform the devices' client runs on, matching the client. */
export type DevicePlatform = { client: 'full'; platform: Platform } | { client: 'lite'; platform: LitePlatform };

export interface FleetConfig {
  broker: string; // URL the devices connect to (the proxy's when faults are on)
  devices: number;
  interval: number;
  qos: 0 | 1;
  topic: string;
  perDeviceTopics: boolean;
  attribution: Attribution;
  idPrefix: string;
  ramp: number; // connects started per second
  devicePlatform: DevicePlatform;
  onLimit: (l: LimitHit) => void;
}

// The ramp ticks this often; each tick starts ramp × RAMP_TICK_MS / 1000 devices.
const RAMP_TICK_MS = 50;

export class Fleet {
  readonly devices: DeviceState[] = [];
  readonly byId = new Map<string, DeviceState>();
  started = 0;
  counting = true; // false after the cut-off: later readings are not expected at the subscriber
  limit: LimitHit | null = null;
  // With attribution 'fleet' the multiset of expected payloads is kept here, for all devices at once.
  readonly fleetPending = new Map<string, number>();
  fleetPendingCount = 0;
  fleetReceived = 0;
  fleetDuplicates = 0;
  private rampTimer: NodeJS.Timeout | null = null;
  private readonly devicePlatform: DevicePlatform;

  constructor(readonly config: FleetConfig) {
    const hit = (l: LimitHit) => this.limitHit(l);
    const dp = config.devicePlatform;
    this.devicePlatform = dp.client === 'full'
      ? { client: 'full', platform: watchLimits(dp.platform, hit) }
      : { client: 'lite', platform: watchLimits(dp.platform, hit) };
    for (let i = 1; i <= config.devices; i++) {
      const id = config.idPrefix + i;
      const topic = config.perDeviceTopics ? config.topic + '/' + id : config.topic;
      const d: DeviceState = {
        id,
        topic,
        statusTopic: topic + '/status',
        run: null,
        pending: new Map(),
        pendingCount: 0,
        expected: 0,
        received: 0,
        duplicates: 0,
      };
      this.devices.push(d);
      this.byId.set(id, d);
    }
  }

  /** Starts the devices at the configured rate; resolves when all have been started (or a limit stopped the ramp). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      let credit = 0;
      const tick = () => {
        credit += (this.config.ramp * RAMP_TICK_MS) / 1000;
        while (credit >= 1 && this.started < this.devices.length && !this.limit && this.rampTimer) {
          credit--;
          this.startDevice(this.devices[this.started++]);
        }
        if (this.started >= this.devices.length || this.limit) {
          this.stopRamp();
          resolve();
        }
      };
      this.rampTimer = setInterval(tick, RAMP_TICK_MS);
      // The first batch goes out at once, so a small fleet starts without waiting a tick.
      credit = Math.max(0, Math.min(this.config.ramp, this.devices.length) - (this.config.ramp * RAMP_TICK_MS) / 1000);
      tick();
      if (this.rampTimer === null) resolve();
    });
  }

  stopRamp(): void {
    if (this.rampTimer) clearInterval(this.rampTimer);
    this.rampTimer = null;
  }

  get client(): ClientKind {
    return this.config.devicePlatform.client;
  }

  private startDevice(d: DeviceState): void {
    const sensor = new SimulatedSensor({ start: 19 + Math.random() * 4 });
    // The same app configuration for both clients: only the class (and its platform) differ.
    const config = {
      broker: this.config.broker,
      clientId: d.id,
      topic: d.topic,
      statusTopic: d.statusTopic,
      interval: this.config.interval,
      qos: this.config.qos,
      outboxSize: hostBoard.outboxSize,
      receiveBufferSize: 256, // devices receive nothing but acks: keep the fleet small in memory
      transmitBufferSize: 256,
    };
    const dp = this.devicePlatform;
    let run: DeviceRun;
    if (dp.client === 'full') {
      run = { client: 'full', app: startTempSensor(config, sensor, dp.platform, MqttClient) };
    } else {
      // The app connects from its constructor, so the counter exists before the app does; it
      // then becomes the run itself (same object), so later connects are counted too.
      const counter = { connects: 0 };
      const app = startTempSensor(config, sensor, new CountingLitePlatform(dp.platform, counter), LiteClient);
      run = Object.assign(counter, { client: 'lite' as const, app });
    }
    d.run = run;
    run.app.onReading = (value, result) => {
      if (result !== 'sent' && result !== 'queued') return;
      if (this.config.qos !== 1 || !this.counting) return;
      const payload = formatCelsius(value);
      d.expected++;
      if (this.config.attribution === 'fleet') {
        addOne(this.fleetPending, payload);
        this.fleetPendingCount++;
      } else {
        addOne(d.pending, payload);
        d.pendingCount++;
      }
    };
  }

  /** The subscriber saw `payload` on a device's reading topic. */
  delivered(d: DeviceState, payload: string): void {
    if (takeOne(d.pending, payload)) {
      d.pendingCount--;
      d.received++;
    } else if (this.config.qos === 1 && this.counting) {
      d.duplicates++;
    } else {
      d.received++;
    }
  }

  /** A device still owed this reading, for a reading whose sender is unknown; null: none. */
  ownerOf(payload: string): DeviceState | null {
    for (const d of this.devices) if (d.pending.has(payload)) return d;
    return null;
  }

  /** The subscriber saw `payload` on the shared reading topic and nobody can say who sent it. */
  deliveredSomewhere(payload: string): void {
    if (takeOne(this.fleetPending, payload)) {
      this.fleetPendingCount--;
      this.fleetReceived++;
    } else if (this.config.qos === 1 && this.counting) {
      this.fleetDuplicates++;
    } else {
      this.fleetReceived++;
    }
  }

  /** QoS 1 readings still owed to the subscriber. */
  outstanding(): number {
    let n = this.fleetPendingCount;
    for (const d of this.devices) n += d.pendingCount;
    return n;
  }

  /** Ends every started device the app's own way (offline status, DISCONNECT). */
  stop(): void {
    this.stopRamp();
    for (const d of this.devices) if (d.run) d.run.app.stop();
  }

  connectedCount(): number {
    let n = 0;
    for (const d of this.devices) if (d.run && d.run.app.client.connected) n++;
    return n;
  }

  private limitHit(l: LimitHit): void {
    if (this.limit) return;
    this.limit = l;
    this.stopRamp(); // more connections would only fail the same way
    this.config.onLimit(l);
  }
}

// The pending readings are multisets (payload → how many are owed).
function addOne(m: Map<string, number>, payload: string): void {
  m.set(payload, (m.get(payload) || 0) + 1);
}

/** Cancels one owed `payload`; false when none was owed. */
function takeOne(m: Map<string, number>, payload: string): boolean {
  const n = m.get(payload);
  if (!n) return false;
  if (n === 1) m.delete(payload);
  else m.set(payload, n - 1);
  return true;
}

// Wraps a platform (either client's: they differ only in what a sink's onData carries) so that a
// connection failing on an OS limit (EMFILE, EADDRNOTAVAIL…) is noticed by its errno text,
// whatever the client turns it into.
interface AnyPlatform<S, T> {
  connect(host: string, port: number, secure: boolean, sink: S): T;
  now(): number; setTimer(ms: number, fn: () => void): unknown; clearTimer(h: unknown): void; deviceId?(): string;
}
function watchLimits<S extends { onClose(reason?: string): void }, T>(p: AnyPlatform<S, T>, hit: (l: LimitHit) => void): AnyPlatform<S, T> {
  return {
    now: () => p.now(),
    setTimer: (ms, fn) => p.setTimer(ms, fn),
    clearTimer: (h) => p.clearTimer(h),
    deviceId: p.deviceId ? () => p.deviceId!() : undefined,
    connect(host: string, port: number, secure: boolean, sink: S): T {
      // the client's own sink, but for onClose (its other callbacks reached through the prototype)
      const watched = Object.create(sink) as S;
      watched.onClose = (reason?: string) => {
        const l = limitIn(reason);
        if (l) hit(l);
        sink.onClose(reason);
      };
      try {
        return p.connect(host, port, secure, watched);
      } catch (e) {
        const l = limitIn(String((e as Error).message || e) + ' ' + String((e as NodeJS.ErrnoException).code));
        if (l) hit(l);
        throw e;
      }
    },
  };
}

/** One device's view of the shared lite platform, counting its connection attempts. */
class CountingLitePlatform implements LitePlatform {
  constructor(private readonly p: LitePlatform, private readonly counter: { connects: number }) {}
  connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
    this.counter.connects++;
    return this.p.connect(host, port, secure, sink);
  }
  now(): number { return this.p.now(); }
  setTimer(ms: number, fn: () => void): unknown { return this.p.setTimer(ms, fn); }
  clearTimer(handle: unknown): void { this.p.clearTimer(handle); }
}
