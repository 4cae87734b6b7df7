// The watching end of the simulation: our own MqttClient subscribed to the whole topic tree
// (`<topic>/+` and `<topic>/+/status`), connected straight to the broker (never through the fault proxy), so it tells
// what the fleet actually delivered.
import { MqttClient } from '../src/client.js';
import type { Platform } from '../src/client.js';

export interface SubscriberEvents {
  reading(deviceId: string, payload: string): void; // on <topic>/<id>
  status(deviceId: string, payload: string, retained: boolean): void; // on <topic>/<id>/status
}

export class Subscriber {
  readonly client: MqttClient;
  readings = 0;
  statuses = 0;
  private readonly prefix: string;
  private readonly probeTopic: string;
  private onProbe: (() => void) | null = null;

  constructor(broker: string, topic: string, clientId: string, platform: Platform, events: SubscriberEvents) {
    this.prefix = topic + '/';
    // One level, so it matches the readings' filter: it proves that subscription is live.
    this.probeTopic = topic + '/' + clientId;
    this.client = new MqttClient({
      url: broker,
      clientId,
      keepalive: 30,
      receiveBufferSize: 4096,
      platform,
    });
    this.client.onMessage = (t, payload, info) => {
      if (t === this.probeTopic) {
        if (this.onProbe) this.onProbe();
        return;
      }
      if (t.indexOf(this.prefix) !== 0) return;
      const rest = t.substring(this.prefix.length);
      const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      const slash = rest.indexOf('/');
      if (slash < 0) {
        this.readings++;
        events.reading(rest, text);
      } else if (rest.substring(slash) === '/status') {
        this.statuses++;
        events.status(rest.substring(0, slash), text, info.retain);
      }
    };
    // Readings at QoS 1 so the broker owes them to us; statuses at QoS 0, because a broker with many
    // retained statuses (one per device of earlier runs) would otherwise fill its per-client queue
    // (mosquitto's max_queued_messages, 1000) and drop the readings and our probe behind them.
    this.client.subscribe(topic + '/+', 1);
    this.client.subscribe(topic + '/+/status', 0);
  }

  /** Connects and resolves once the broker has the subscription (readings from then on count). */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('its subscription was not confirmed within ' + timeoutMs + ' ms (no connection, or the broker dropped our probe message)' + (errors.length ? ': ' + errors[errors.length - 1] : ''))), timeoutMs);
      const errors: string[] = [];
      this.client.onError = (e) => {
        errors.push(String(e));
        // A refused CONNECT will not get better by waiting.
        if (/CONNACK_REFUSED|INVALID_ARGUMENT/.test(e.code)) {
          clearTimeout(timer);
          reject(new Error('subscriber: ' + e.toString()));
        }
      };
      // The broker handles our SUBSCRIBE before a PUBLISH sent after it on the same connection,
      // so our own probe coming back proves the subscription is live.
      this.client.onConnect = () => {
        this.client.publish(this.probeTopic, 'probe', 1, false);
      };
      this.onProbe = () => {
        this.onProbe = null;
        clearTimeout(timer);
        resolve();
      };
      this.client.connect();
    });
  }

  end(): void {
    this.client.end();
  }
}
