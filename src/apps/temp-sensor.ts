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

// For callers. The app writes the text itself: on Espruino (1 700 variables on an ESP8266) a shared
// string constant costs ~3 variables for good, a literal in code that runs from Storage nothing.
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
  failing: number; // 0/1: on Espruino a number this small needs no variable of its own, a boolean does
  private unsent: string; // a status the client could not take (outbox full): retried every sample
  private stopped: number; // 0/1
  private timer: unknown;
  private due: number;
  tickFn!: () => void; // the one timer callback, made once (by hooks()): nothing allocated per sample

  constructor(config: TempSensorConfig, sensor: TemperatureSensor, platform: P, Client: ClientClass<P, C>) {
    this.sensorIn = sensor;
    this.plat = platform;
    this.readTopic = config.topic || 'temp';
    this.statTopic = config.statusTopic || 'temp/status';
    this.period = config.interval && config.interval > 0 ? config.interval : 10000;
    this.readQos = config.qos === 0 ? 0 : 1;
    this.failing = 0;
    this.unsent = '';
    this.stopped = 0;
    this.stats = { samples: 0, published: 0, queued: 0, dropped: 0, sensorErrors: 0 };
    // default client id: 'temp-' + the chip's id, else random hex
    const chip = platform.deviceId ? platform.deviceId() : '';
    this.client = new Client({
      url: config.broker,
      clientId: config.clientId || 'temp-' + (chip || Math.floor(Math.random() * 0x7fffffff).toString(16)),
      keepalive: config.keepalive,
      outboxSize: config.outboxSize,
      receiveBufferSize: config.receiveBufferSize,
      transmitBufferSize: config.transmitBufferSize,
      maxInflight: config.maxInflight,
      will: { topic: this.statTopic, payload: 'offline', qos: 1, retain: true },
      platform: platform,
    });
    hooks(this);
    this.due = platform.now() + this.period;
    this.timer = platform.setTimer(this.period, this.tickFn);
    this.client.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = 1;
    this.plat.clearTimer(this.timer);
    // A clean DISCONNECT suppresses the will, so leave the truth behind ourselves. At QoS 0: it is
    // written at once, ahead of the DISCONNECT on the same stream, even when QoS 1 messages fill
    // the in-flight window (at QoS 1 it would wait behind them, and end() would drop it).
    if (this.client.connected) this.client.publish(this.statTopic, 'offline', 0, true);
    this.client.end();
  }

  /** @internal the timer's (see hooks()) */
  tick(): void {
    if (this.stopped) return;
    if (this.unsent) this.setStatus(this.unsent);
    // Keep the period even if a sample (or the engine) was late; never schedule in the past.
    const now = this.plat.now();
    this.due += this.period;
    if (this.due < now) this.due = now + this.period;
    this.timer = this.plat.setTimer(this.due - now, this.tickFn);
    // sample
    this.stats.samples++;
    let value: unknown = NaN;
    let ok = true;
    try { value = this.sensorIn.read(); } catch (e) { ok = false; }
    if (!ok || !isPlausibleReading(value)) {
      this.stats.sensorErrors++;
      if (!this.failing) {
        this.failing = 1;
        this.setStatus('sensor-error');
      }
      if (this.onReading) this.onReading(NaN, 'sensor-error');
      return;
    }
    if (this.failing) {
      this.failing = 0;
      this.setStatus('online');
    }
    const v = value as number;
    const result = this.client.publish(this.readTopic, formatCelsius(v), this.readQos, false);
    if (result === 'sent') this.stats.published++;
    else if (result === 'queued') this.stats.queued++;
    else this.stats.dropped++;
    if (this.onReading) this.onReading(v, result);
  }

  /** @internal */
  setStatus(text: string): void {
    // QoS 1: a status change made while offline waits in the outbox with the readings, in order.
    // One the outbox had no room for is tried again at every sample until it fits: the retained
    // status must not stay wrong (`offline` from the will while readings flow, say).
    const r = this.client.publish(this.statTopic, text, 1, true);
    this.unsent = r === 'sent' || r === 'queued' ? '' : text;
  }
}

/**
 * The app's two callbacks, made here rather than in the constructor: on Espruino (1 700 variables
 * on an ESP8266) a closure keeps everything its scopes hold, and one made two scopes deep (the
 * compiled class is wrapped in a function) costs ~4 more variables than one made here.
 */
function hooks<P extends AppPlatform, C extends AppClient>(app: TempSensor<P, C>): void {
  app.tickFn = function () { app.tick(); };
  app.client.onConnect = function () {
    // After every (re)connect: the will may have fired meanwhile, so say where we stand again.
    app.setStatus(app.failing ? 'sensor-error' : 'online');
  };
}

/** Starts sampling and connecting; `Client` is the client class the board uses (see the top). */
export function startTempSensor<P extends AppPlatform, C extends AppClient>(config: TempSensorConfig,
  sensor: TemperatureSensor, platform: P, Client: ClientClass<P, C>): TempSensorApp<C> {
  return new TempSensor(config, sensor, platform, Client);
}
