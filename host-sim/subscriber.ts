// The watching end of the simulation: our own MqttClient, connected straight to the broker (never
// through the fault proxy), so it tells what the fleet actually delivered. It subscribes to the
// firmware's topics (`<topic>` and `<topic>/status`), or with per-device topics to `<topic>/+` and
// `<topic>/+/status`.
import { MqttClient } from '../src/client.js';
import type { Platform } from '../src/client.js';

export interface SubscriberEvents {
  /** deviceId comes from the topic with per-device topics, null on the shared topic. */
  reading(topic: string, deviceId: string | null, payload: string): void;
  status(topic: string, deviceId: string | null, payload: string, retained: boolean): void;
}

export class Subscriber {
  readonly client: MqttClient;
  readings = 0;
  statuses = 0;
  /** Messages received per topic: what a user subscribed to the same topics would have seen. */
  readonly perTopic = new Map<string, number>();
  private readonly prefix: string;
  private readonly probeTopic: string;
  private onProbe: (() => void) | null = null;

  constructor(broker: string, topic: string, perDeviceTopics: boolean, clientId: string, platform: Platform, events: SubscriberEvents,
    transmitBufferSize = 1024) {
    this.prefix = topic + '/';
    const statusTopic = topic + '/status';
    // Outside both layouts' filters (three levels), so no reader of `temp` or `temp/+` sees it.
    this.probeTopic = topic + '/probe/' + clientId;
    this.client = new MqttClient({
      url: broker,
      clientId,
      keepalive: 30,
      receiveBufferSize: 4096,
      transmitBufferSize, // the dashboard's status messages go out through this client
      platform,
    });
    this.client.onMessage = (t, payload, info) => {
      if (t === this.probeTopic) {
        if (this.onProbe) this.onProbe();
        return;
      }
      const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      if (!perDeviceTopics) {
        if (t === topic) this.count(t), this.readings++, events.reading(t, null, text);
        else if (t === statusTopic) this.count(t), this.statuses++, events.status(t, null, text, info.retain);
        return;
      }
      if (t.indexOf(this.prefix) !== 0) return;
      const rest = t.substring(this.prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) {
        this.count(t);
        this.readings++;
        events.reading(t, rest, text);
      } else if (rest.substring(slash) === '/status') {
        this.count(t);
        this.statuses++;
        events.status(t, rest.substring(0, slash), text, info.retain);
      }
    };
    // Readings at QoS 1 so the broker owes them to us; statuses at QoS 0, because with per-device
    // topics a broker with many retained statuses (one per device of earlier runs) would otherwise
    // fill its per-client queue (mosquitto's max_queued_messages, 1000) and drop the readings and
    // our probe behind them.
    if (perDeviceTopics) {
      this.client.subscribe(topic + '/+', 1);
      this.client.subscribe(topic + '/+/status', 0);
    } else {
      this.client.subscribe(topic, 1);
      this.client.subscribe(statusTopic, 0);
    }
    this.client.subscribe(this.probeTopic, 1);
  }

  private count(topic: string): void {
    this.perTopic.set(topic, (this.perTopic.get(topic) || 0) + 1);
  }

  /**
   * Connects and resolves once the broker has the subscriptions (readings from then on count).
   * The first failure before that (refused, unreachable, a TLS certificate it does not trust)
   * rejects at once: it is known now, and waiting out the timeout would only hide it.
   */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let connected = false;
      const timer = setTimeout(() => reject(new Error('its subscription was not confirmed within ' + timeoutMs + ' ms (the broker accepted the connection but dropped our probe message)')), timeoutMs);
      this.client.onError = (e) => {
        if (connected) return;
        clearTimeout(timer);
        reject(new Error(e.code + ': ' + e.message));
      };
      // A broker handles a connection's packets in order: our probe coming back through the last
      // SUBSCRIBE proves the earlier ones are live too.
      this.client.onConnect = () => {
        connected = true;
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
