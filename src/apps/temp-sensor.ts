// The temperature-sensor firmware, written once for every board and engine (and host-sim).
// It owns the client because the will (`offline`, retained, on the status topic) is the app's.
//
// Status topic, retained, so a dashboard that subscribes later still sees the truth:
//   online        connected and the sensor reads
//   sensor-error  the sensor failed (throws, NaN, out of range, or the 85 °C power-on value)
//   offline       sent by the broker as our will, or by stop()
import { MqttClient } from '../client.js';
import type { Platform } from '../client.js';
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

export interface TempSensorStats {
  samples: number; // sensor reads attempted
  published: number; // readings written to the broker at once
  queued: number; // readings put in the offline queue / outbox
  dropped: number; // readings lost: QUEUE_FULL (or NOT_CONNECTED at QoS 0)
  sensorErrors: number; // failed reads
}

export interface TempSensorApp {
  client: MqttClient;
  stop(): void;
  stats: TempSensorStats;
  /** value is NaN for a failed read; result is 'sent', 'queued', an MqttErrorCode, or 'sensor-error'. */
  onReading?: (value: number, result: string) => void;
}

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
export const STATUS_SENSOR_ERROR = 'sensor-error';

class TempSensor implements TempSensorApp {
  client: MqttClient;
  stats: TempSensorStats;
  onReading?: (value: number, result: string) => void;
  private sensor: TemperatureSensor;
  private platform: Platform;
  private topic: string;
  private statusTopic: string;
  private interval: number;
  private qos: 0 | 1;
  private failing: boolean;
  private stopped: boolean;
  private timer: unknown;
  private due: number;
  private tickFn: () => void; // the one timer callback, made once: nothing allocated per sample

  constructor(config: TempSensorConfig, sensor: TemperatureSensor, platform: Platform) {
    this.sensor = sensor;
    this.platform = platform;
    this.topic = config.topic || 'temp';
    this.statusTopic = config.statusTopic || 'temp/status';
    this.interval = config.interval && config.interval > 0 ? config.interval : 10000;
    this.qos = config.qos === 0 ? 0 : 1;
    this.failing = false;
    this.stopped = false;
    this.stats = { samples: 0, published: 0, queued: 0, dropped: 0, sensorErrors: 0 };
    const self = this;
    this.tickFn = function () { self.tick(); };
    this.client = new MqttClient({
      url: config.broker,
      clientId: config.clientId || defaultClientId(platform),
      keepalive: config.keepalive,
      outboxSize: config.outboxSize,
      receiveBufferSize: config.receiveBufferSize,
      transmitBufferSize: config.transmitBufferSize,
      maxInflight: config.maxInflight,
      will: { topic: this.statusTopic, payload: STATUS_OFFLINE, qos: 1, retain: true },
      platform: platform,
    });
    this.client.onConnect = function () {
      // After every (re)connect: the will may have fired meanwhile, so say where we stand again.
      self.status(self.failing ? STATUS_SENSOR_ERROR : STATUS_ONLINE);
    };
    this.due = platform.now() + this.interval;
    this.timer = platform.setTimer(this.interval, this.tickFn);
    this.client.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.platform.clearTimer(this.timer);
    // A clean DISCONNECT suppresses the will, so leave the truth behind ourselves.
    if (this.client.connected) this.status(STATUS_OFFLINE);
    this.client.end();
  }

  private tick(): void {
    if (this.stopped) return;
    this.sample();
    // Keep the period even if a sample (or the engine) was late; never schedule in the past.
    const now = this.platform.now();
    this.due += this.interval;
    if (this.due < now) this.due = now + this.interval;
    this.timer = this.platform.setTimer(this.due - now, this.tickFn);
  }

  private sample(): void {
    this.stats.samples++;
    let value: unknown = NaN;
    let ok = true;
    try { value = this.sensor.read(); } catch (e) { ok = false; }
    if (!ok || !isPlausibleReading(value)) {
      this.stats.sensorErrors++;
      if (!this.failing) {
        this.failing = true;
        this.status(STATUS_SENSOR_ERROR);
      }
      if (this.onReading) this.onReading(NaN, STATUS_SENSOR_ERROR);
      return;
    }
    if (this.failing) {
      this.failing = false;
      this.status(STATUS_ONLINE);
    }
    const v = value as number;
    const result = this.client.publish(this.topic, formatCelsius(v), this.qos, false);
    if (result === 'sent') this.stats.published++;
    else if (result === 'queued') this.stats.queued++;
    else this.stats.dropped++;
    if (this.onReading) this.onReading(v, result);
  }

  private status(text: string): void {
    // QoS 1: a status change made while offline waits in the outbox with the readings, in order.
    this.client.publish(this.statusTopic, text, 1, true);
  }
}

function defaultClientId(platform: Platform): string {
  const id = platform.deviceId ? platform.deviceId() : '';
  if (id) return 'temp-' + id;
  return 'temp-' + Math.floor(Math.random() * 0x7fffffff).toString(16);
}

export function startTempSensor(config: TempSensorConfig, sensor: TemperatureSensor, platform: Platform): TempSensorApp {
  return new TempSensor(config, sensor, platform);
}
