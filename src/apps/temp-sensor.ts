// The temperature-sensor firmware, written once for every board and engine (and host-sim).
// It creates its client because the will (`offline`, retained, on the status topic) is the
// app's; which client is the board's choice: MqttClient (src/client.ts) on Moddable and in
// host-sim, LiteClient (src/lite/client.ts) on Espruino, where code size is memory. The app
// imports neither, so a bundle holds only the one its board passes in.
//
// Status topic, retained, so a dashboard that subscribes later still sees the truth:
//   online        connected and the sensor reads
//   sensor-error  the sensor failed (throws, NaN, out of range, or the 85 °C power-on value)
//   offline       sent by the broker as our will, or by stop()
import type { TemperatureSensor } from './sensor.js';
import { formatCelsius, isPlausibleReading } from './sensor.js';

export interface TempSensorConfig {
  broker: string; // URL (mqtt://user:pass@host:port)
  clientId?: string; // default: 'temp-' + platform.deviceId()
  topic?: string; // default 'temp'
  statusTopic?: string; // default 'temp/status'
  interval?: number; // ms, default 10000
  qos?: 0 | 1; // default 1
  keepalive?: number;
  outboxSize?: number;
  receiveBufferSize?: number;
  transmitBufferSize?: number;
  maxInflight?: number; // boards size it for the chip (ESP8266: 4)
}

/** What the app needs of a platform: its clock, one timer, and a chip id for the client id. */
export interface AppPlatform {
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  deviceId?(): string;
}

/** What the app needs of a client; MqttClient and LiteClient both are one. */
export interface AppClient {
  connected: boolean;
  onConnect: (sessionPresent: boolean) => void;
  /** 'sent', 'queued' or an error code (QUEUE_FULL, NOT_CONNECTED ...); never throws */
  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): string;
  connect(): void;
  end(): void;
}

/** The options the app gives its client: the intersection of ClientOptions and LiteOptions. */
export interface AppClientOptions<P> {
  url: string; clientId: string; keepalive?: number;
  outboxSize?: number; receiveBufferSize?: number; transmitBufferSize?: number; maxInflight?: number;
  will: { topic: string; payload: string; qos: 1; retain: true };
  platform: P;
}

export type ClientClass<P, C> = new (options: AppClientOptions<P>) => C;

export interface TempSensorStats {
  samples: number; // sensor reads attempted
  published: number; // readings written to the broker at once
  queued: number; // readings put in the offline queue / outbox
  dropped: number; // readings lost: QUEUE_FULL (or NOT_CONNECTED at QoS 0)
  sensorErrors: number; // failed reads
}

export interface TempSensorApp<C extends AppClient = AppClient> {
  client: C;
  stop(): void;
  stats: TempSensorStats;
  /** value is NaN for a failed read; result is 'sent', 'queued', an MqttErrorCode, or 'sensor-error'. */
  onReading?: (value: number, result: string) => void;
}

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
export const STATUS_SENSOR_ERROR = 'sensor-error';

class TempSensor<P extends AppPlatform, C extends AppClient> implements TempSensorApp<C> {
  client: C;
  stats: TempSensorStats;
  onReading?: (value: number, result: string) => void;
  private sensorIn: TemperatureSensor;
  private plat: P;
  private readTopic: string;
  private statTopic: string;
  private period: number;
  private readQos: 0 | 1;
  private failing: boolean;
  private unsent: string; // a status the client could not take (outbox full): retried every sample
  private stopped: boolean;
  private timer: unknown;
  private due: number;
  private tickFn: () => void; // the one timer callback, made once: nothing allocated per sample

  constructor(config: TempSensorConfig, sensor: TemperatureSensor, platform: P, Client: ClientClass<P, C>) {
    this.sensorIn = sensor;
    this.plat = platform;
    this.readTopic = config.topic || 'temp';
    this.statTopic = config.statusTopic || 'temp/status';
    this.period = config.interval && config.interval > 0 ? config.interval : 10000;
    this.readQos = config.qos === 0 ? 0 : 1;
    this.failing = false;
    this.unsent = '';
    this.stopped = false;
    this.stats = { samples: 0, published: 0, queued: 0, dropped: 0, sensorErrors: 0 };
    const self = this;
    this.tickFn = function () { self.tick(); };
    this.client = new Client({
      url: config.broker,
      clientId: config.clientId || defaultClientId(platform),
      keepalive: config.keepalive,
      outboxSize: config.outboxSize,
      receiveBufferSize: config.receiveBufferSize,
      transmitBufferSize: config.transmitBufferSize,
      maxInflight: config.maxInflight,
      will: { topic: this.statTopic, payload: STATUS_OFFLINE, qos: 1, retain: true },
      platform: platform,
    });
    this.client.onConnect = function () {
      // After every (re)connect: the will may have fired meanwhile, so say where we stand again.
      self.setStatus(self.failing ? STATUS_SENSOR_ERROR : STATUS_ONLINE);
    };
    this.due = platform.now() + this.period;
    this.timer = platform.setTimer(this.period, this.tickFn);
    this.client.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.plat.clearTimer(this.timer);
    // A clean DISCONNECT suppresses the will, so leave the truth behind ourselves. At QoS 0: it is
    // written at once, ahead of the DISCONNECT on the same stream, even when QoS 1 messages fill
    // the in-flight window (at QoS 1 it would wait behind them, and end() would drop it).
    if (this.client.connected) this.client.publish(this.statTopic, STATUS_OFFLINE, 0, true);
    this.client.end();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.unsent) this.setStatus(this.unsent);
    this.sample();
    // Keep the period even if a sample (or the engine) was late; never schedule in the past.
    const now = this.plat.now();
    this.due += this.period;
    if (this.due < now) this.due = now + this.period;
    this.timer = this.plat.setTimer(this.due - now, this.tickFn);
  }

  private sample(): void {
    this.stats.samples++;
    let value: unknown = NaN;
    let ok = true;
    try { value = this.sensorIn.read(); } catch (e) { ok = false; }
    if (!ok || !isPlausibleReading(value)) {
      this.stats.sensorErrors++;
      if (!this.failing) {
        this.failing = true;
        this.setStatus(STATUS_SENSOR_ERROR);
      }
      if (this.onReading) this.onReading(NaN, STATUS_SENSOR_ERROR);
      return;
    }
    if (this.failing) {
      this.failing = false;
      this.setStatus(STATUS_ONLINE);
    }
    const v = value as number;
    const result = this.client.publish(this.readTopic, formatCelsius(v), this.readQos, false);
    if (result === 'sent') this.stats.published++;
    else if (result === 'queued') this.stats.queued++;
    else this.stats.dropped++;
    if (this.onReading) this.onReading(v, result);
  }

  private setStatus(text: string): void {
    // QoS 1: a status change made while offline waits in the outbox with the readings, in order.
    // One the outbox had no room for is tried again at every sample until it fits: the retained
    // status must not stay wrong (`offline` from the will while readings flow, say).
    const r = this.client.publish(this.statTopic, text, 1, true);
    this.unsent = r === 'sent' || r === 'queued' ? '' : text;
  }
}

function defaultClientId(platform: AppPlatform): string {
  const id = platform.deviceId ? platform.deviceId() : '';
  if (id) return 'temp-' + id;
  return 'temp-' + Math.floor(Math.random() * 0x7fffffff).toString(16);
}

/** Starts sampling and connecting; `Client` is the client class the board uses (see the top). */
export function startTempSensor<P extends AppPlatform, C extends AppClient>(config: TempSensorConfig,
  sensor: TemperatureSensor, platform: P, Client: ClientClass<P, C>): TempSensorApp<C> {
  return new TempSensor(config, sensor, platform, Client);
}
