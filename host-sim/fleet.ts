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
import type { LimitHit } from './limits.js';
import type { ClientKind } from './args.js';
import type { MqttError } from '../src/errors.js';
import { DeviceLink } from './device-link.js';

// How a reading the subscriber got is tied to its device: by its topic (--per-device-topics), by
// the embedded broker's word (shared topics), or not at all (shared topics on an external broker:
// loss is then counted over the whole fleet).
export type Attribution = 'topic' | 'broker' | 'fleet';

/** Where a device is, as the status line, the dashboard and the summary tell it. */
export type DeviceCondition = 'waiting' | 'connecting' | 'connected' | 'stopped' | 'removed';

// The client gives up on these (MQTT 3.1.1 says retrying cannot help): the device is stopped.
const FATAL = ['CONNACK_REFUSED_BAD_CREDENTIALS', 'CONNACK_REFUSED_NOT_AUTHORIZED', 'CONNACK_REFUSED_IDENTIFIER_REJECTED'];

// Readings kept per device for the dashboard's chart until the next status message takes them.
const RECENT_MAX = 50;

export interface DeviceState {
  id: string;
  topic: string;
  statusTopic: string;
  run: DeviceRun | null; // null until its turn in the ramp
  link: DeviceLink; // cut / stall from the dashboard; counts connection attempts
  password?: string; // overrides the URL's (a device added from the dashboard with a wrong one)
  stopped: boolean; // the client gave up (a refusal it must not retry)
  removed: boolean; // removed from the dashboard (the app was stopped)
  lastError: { code: string; message: string; at: number } | null;
  errors: Map<string, number>; // every error the client reported, by code
  readingIds: Set<number>; // packet ids of QoS 1 readings awaiting their PUBACK (MqttClient only)
  readingsAcked: number; // PUBACKs for readings (MqttClient only)
  statusesAcked: number; // PUBACKs for status messages (online / offline / sensor-error)
  atStop: DeviceCondition | null; // where it was when the fleet was told to stop
  // the app's counters at the cut-off: readings taken after it are not counted (only the
  // PUBACKs and deliveries of the ones before it, which are given time to arrive)
  statsAtCutOff: { samples: number; published: number; queued: number; dropped: number } | null;
  lastReading: number | null;
  lastResult: string; // what publish() answered for lastReading
  recent: number[]; // [time ms, value, …] since the dashboard's last status message
  // QoS 1 readings the app handed to the client ('sent' or 'queued') that the subscriber has not
  // seen yet, as a multiset of payloads: readings carry no sequence number, so equal values are
  // interchangeable (see the loss note in the README).
  pending: Map<string, number>;
  pendingCount: number;
  expected: number; // QoS 1 readings counted for loss accounting
  received: number; // readings the subscriber matched to this device (not counted when attribution is 'fleet')
  duplicates: number; // readings the subscriber got beyond what was expected (resends after a cut)
}

/** A started device: the app, with the client class it was given. LiteClient keeps no
 *  counters: its retries are the device link's connection attempts after the first. */
export type DeviceRun =
  | { client: 'full'; app: TempSensorApp<MqttClient> }
  | { client: 'lite'; app: TempSensorApp<LiteClient> };

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
  firstId: number; // device ids run from idPrefix + firstId (another shard has the ones before)
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
  counting = true; // false after the cut-off (see cutOff())
  limit: LimitHit | null = null;
  // With attribution 'fleet' the multiset of expected payloads is kept here, for all devices at once.
  readonly fleetPending = new Map<string, number>();
  fleetPendingCount = 0;
  fleetReceived = 0;
  fleetDuplicates = 0;
  private rampTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private nextId: number;

  constructor(readonly config: FleetConfig) {
    this.nextId = config.firstId;
    this.addDevices(config.devices);
  }

  private addDevices(n: number, password?: string): DeviceState[] {
    const added: DeviceState[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.config.idPrefix + this.nextId++;
      const topic = this.config.perDeviceTopics ? this.config.topic + '/' + id : this.config.topic;
      const d: DeviceState = {
        id,
        topic,
        statusTopic: topic + '/status',
        run: null,
        link: new DeviceLink((l) => this.limitHit(l)),
        password,
        stopped: false,
        removed: false,
        lastError: null,
        errors: new Map(),
        readingIds: new Set(),
        readingsAcked: 0,
        statusesAcked: 0,
        atStop: null,
        statsAtCutOff: null,
        lastReading: null,
        lastResult: '',
        recent: [],
        pending: new Map(),
        pendingCount: 0,
        expected: 0,
        received: 0,
        duplicates: 0,
      };
      this.devices.push(d);
      this.byId.set(id, d);
      added.push(d);
    }
    return added;
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
      credit = Math.max(0, Math.min(this.config.ramp, this.devices.length - this.started) - (this.config.ramp * RAMP_TICK_MS) / 1000);
      tick();
      if (this.rampTimer === null) resolve();
    });
  }

  stopRamp(): void {
    if (this.rampTimer) clearInterval(this.rampTimer);
    this.rampTimer = null;
  }

  /**
   * The end of the run as far as counting goes: readings taken from now on are not expected at
   * the subscriber nor counted anywhere; those already taken get time to arrive.
   */
  cutOff(): void {
    this.counting = false;
    this.stopRamp();
    for (const d of this.devices) {
      const st = d.run ? d.run.app.stats : null;
      d.statsAtCutOff = st ? { samples: st.samples, published: st.published, queued: st.queued, dropped: st.dropped }
        : { samples: 0, published: 0, queued: 0, dropped: 0 };
    }
  }

  /** More devices (from the dashboard), started at the ramp rate; `password` overrides the URL's. */
  add(n: number, password?: string): DeviceState[] {
    if (this.stopping) return [];
    const added = this.addDevices(n, password);
    if (!this.rampTimer && !this.limit) void this.start();
    return added;
  }

  /** Stops the newest `n` running devices the app's own way (offline status, DISCONNECT). */
  remove(n: number): DeviceState[] {
    const out: DeviceState[] = [];
    for (let i = this.devices.length - 1; i >= 0 && out.length < n; i--) {
      const d = this.devices[i];
      if (d.removed) continue;
      d.removed = true;
      if (d.run) d.run.app.stop(); // one not started yet is skipped by the ramp
      out.push(d);
    }
    return out;
  }

  /** Where the device is now; once the fleet was told to stop, where it was then. */
  condition(d: DeviceState): DeviceCondition {
    if (d.atStop) return d.atStop;
    if (d.removed) return 'removed';
    if (!d.run) return 'waiting';
    if (d.run.app.client.connected) return 'connected';
    return d.stopped ? 'stopped' : 'connecting';
  }

  get client(): ClientKind {
    return this.config.devicePlatform.client;
  }

  private startDevice(d: DeviceState): void {
    if (d.removed) return;
    const sensor = new SimulatedSensor({ start: 19 + Math.random() * 4 });
    // The same app configuration for both clients: only the class (and its platform) differ.
    const config = {
      broker: d.password !== undefined ? withPassword(this.config.broker, d.id, d.password) : this.config.broker,
      clientId: d.id,
      topic: d.topic,
      statusTopic: d.statusTopic,
      interval: this.config.interval,
      qos: this.config.qos,
      outboxSize: hostBoard.outboxSize,
      receiveBufferSize: 256, // devices receive nothing but acks: keep the fleet small in memory
      transmitBufferSize: 256,
    };
    const dp = this.config.devicePlatform;
    let run: DeviceRun;
    // The app connects from its constructor: errors are caught from its first attempt on by
    // wrapping the client's onError once the app made it (nothing is reported synchronously).
    if (dp.client === 'full') {
      const app = startTempSensor(config, sensor, d.link.wrap(dp.platform), MqttClient);
      run = { client: 'full', app };
      app.client.onPublished = (id) => {
        if (d.readingIds.delete(id)) d.readingsAcked++;
        else d.statusesAcked++;
      };
    } else {
      run = { client: 'lite', app: startTempSensor(config, sensor, d.link.wrap(dp.platform), LiteClient) };
    }
    run.app.client.onError = (e: MqttError) => {
      d.lastError = { code: e.code, message: e.message, at: Date.now() };
      d.errors.set(e.code, (d.errors.get(e.code) || 0) + 1);
      if (FATAL.indexOf(e.code) >= 0) d.stopped = true;
    };
    d.run = run;
    run.app.onReading = (value, result) => {
      if (!this.counting) return; // after the cut-off: not counted
      if (!Number.isNaN(value)) {
        d.lastReading = value;
        d.lastResult = result;
        if (d.recent.length >= RECENT_MAX * 2) d.recent.splice(0, 2);
        d.recent.push(Date.now(), value);
      }
      if (result !== 'sent' && result !== 'queued') return;
      if (this.config.qos === 1 && run.client === 'full') d.readingIds.add(run.app.client.lastPacketId);
      if (this.config.qos !== 1) return;
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
    } else if (!this.counting) {
      // a reading taken after the cut-off (or a late duplicate): not counted
    } else if (this.config.qos === 1) {
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
    } else if (!this.counting) {
      // a reading taken after the cut-off (or a late duplicate): not counted
    } else if (this.config.qos === 1) {
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
    this.stopping = true;
    this.stopRamp();
    for (const d of this.devices) d.atStop = this.condition(d);
    for (const d of this.devices) {
      d.link.stall(false); // a stalled device's DISCONNECT must get out
      if (d.run) d.run.app.stop();
    }
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

/** The broker URL with this user name (the URL's, or the device id) and password. */
function withPassword(url: string, id: string, password: string): string {
  const m = /^([a-z]+:\/\/)(?:([^@/?#]*)@)?(.*)$/i.exec(url);
  if (!m) return url;
  const user = m[2] !== undefined ? m[2].split(':')[0] : encodeURIComponent(id);
  return m[1] + user + ':' + encodeURIComponent(password) + '@' + m[3];
}
