// The simulated fleet: N copies of the firmware's temperature-sensor app (the same compiled code a
// board runs), each with its own simulated sensor, started at a bounded rate, optionally behind the
// fault proxy. It only observes the app (stats, onReading, the client's counters); it never
// re-implements what the app does.
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorApp } from '../src/apps/temp-sensor.js';
import { MqttClient } from '../src/client.js';
import { formatCelsius } from '../src/apps/sensor.js';
import type { Platform, TransportSink } from '../src/client.js';
import { SimulatedSensor, hostBoard } from '../boards/host.js';
import { limitIn, type LimitHit } from './limits.js';

// How a reading the subscriber got is tied to its device: by its topic (--per-device-topics), by
// the embedded broker's word (shared topics), or not at all (shared topics on an external broker:
// loss is then counted over the whole fleet).
export type Attribution = 'topic' | 'broker' | 'fleet';

export interface DeviceState {
  id: string;
  topic: string;
  statusTopic: string;
  app: TempSensorApp<MqttClient> | null; // null until its turn in the ramp
  // QoS 1 readings the app handed to the client ('sent' or 'queued') that the subscriber has not
  // seen yet, as a multiset of payloads: readings carry no sequence number, so equal values are
  // interchangeable (see the loss note in the README).
  pending: Map<string, number>;
  pendingCount: number;
  expected: number; // QoS 1 readings counted for loss accounting
  received: number; // readings the subscriber matched to this device (not counted when attribution is 'fleet')
  duplicates: number; // readings the subscriber got beyond what was expected (resends after a cut)
}

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
  platform: Platform;
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
  private platform: Platform;

  constructor(readonly config: FleetConfig) {
    this.platform = watchLimits(config.platform, (l) => this.limitHit(l));
    for (let i = 1; i <= config.devices; i++) {
      const id = config.idPrefix + i;
      const topic = config.perDeviceTopics ? config.topic + '/' + id : config.topic;
      const d: DeviceState = {
        id,
        topic,
        statusTopic: topic + '/status',
        app: null,
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

  private startDevice(d: DeviceState): void {
    const sensor = new SimulatedSensor({ start: 19 + Math.random() * 4 });
    const app = startTempSensor(
      {
        broker: this.config.broker,
        clientId: d.id,
        topic: d.topic,
        statusTopic: d.statusTopic,
        interval: this.config.interval,
        qos: this.config.qos,
        outboxSize: hostBoard.outboxSize,
        receiveBufferSize: 256, // devices receive nothing but acks: keep the fleet small in memory
        transmitBufferSize: 256,
      },
      sensor,
      this.platform,
      MqttClient,
    );
    app.onReading = (value, result) => {
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
    d.app = app;
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
    for (const d of this.devices) if (d.app) d.app.stop();
  }

  connectedCount(): number {
    let n = 0;
    for (const d of this.devices) if (d.app && d.app.client.connected) n++;
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

// Wraps a platform so that a connection failing on an OS limit (EMFILE, EADDRNOTAVAIL…) is
// noticed by its errno text, whatever the client turns it into.
function watchLimits(p: Platform, hit: (l: LimitHit) => void): Platform {
  return {
    now: () => p.now(),
    setTimer: (ms, fn) => p.setTimer(ms, fn),
    clearTimer: (h) => p.clearTimer(h),
    deviceId: p.deviceId ? () => p.deviceId!() : undefined,
    connect(host: string, port: number, secure: boolean, sink: TransportSink) {
      const watched: TransportSink = {
        onOpen: () => sink.onOpen(),
        onData: (c, s, e) => sink.onData(c, s, e),
        onClose: (reason?: string) => {
          const l = limitIn(reason);
          if (l) hit(l);
          sink.onClose(reason);
        },
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
