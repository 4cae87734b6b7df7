// Shared pieces of the integration tests: the two brokers behind one interface, our client wired
// to the Node platform with a recorder around it, and MQTT.js as an independent observer.
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { startAedes, startMosquitto } from './brokers.js';
import { waitFor } from './wait.js';
import { createNodePlatform } from '../../host-sim/node-platform.js';
import { MqttClient, type ClientOptions, type Platform, type Transport, type TransportSink } from '../../src/client.js';
import type { MqttError } from '../../src/errors.js';

export interface TestBroker { name: string; url: string; port: number; close(): Promise<void> }

export const BROKERS: Array<{ name: string; start(): Promise<TestBroker> }> = [
  { name: 'aedes', start: async () => Object.assign(await startAedes(), { name: 'aedes' }) },
  { name: 'mosquitto', start: async () => Object.assign(await startMosquitto(), { name: 'mosquitto' }) },
];

let unique = 0;
export function uid(prefix: string): string {
  unique++;
  return prefix + '-' + process.pid + '-' + unique + '-' + Math.floor(Math.random() * 1e6);
}

// One packet the client wrote, as mqtt-packet parsed it, with the connection it went out on.
export interface Written { conn: number; packet: any }

// Wraps a platform to see what the client does on the wire without a proxy: every connection
// attempt, every packet written. `block` makes new connections fail at once, like a refused
// port; `cut()` closes the live sockets under the client without any DISCONNECT.
export class RecordingPlatform implements Platform {
  attempts: Array<{ host: string; port: number; secure: boolean; at: number }> = [];
  written: Written[] = [];
  block = false;
  private live = new Map<Transport, TransportSink>();
  constructor(readonly base: Platform) {}

  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    const conn = this.attempts.length;
    this.attempts.push({ host, port, secure, at: Date.now() });
    if (this.block) {
      let closed = false;
      setTimeout(() => { if (!closed) sink.onClose('blocked by the test'); }, 1);
      return { write() {}, close() { closed = true; } };
    }
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: any) => this.written.push({ conn, packet }));
    parser.on('error', () => { /* a half packet at a cut; not what these tests look at */ });
    const self = this;
    let t: Transport;
    const wrapped: TransportSink = {
      onOpen() { sink.onOpen(); },
      onData(c, s, e) { sink.onData(c, s, e); },
      onClose(reason) { self.live.delete(t); sink.onClose(reason); },
    };
    t = this.base.connect(host, port, secure, wrapped);
    this.live.set(t, wrapped);
    return {
      write(buf: Uint8Array, start: number, end: number) {
        parser.parse(Buffer.from(buf.subarray(start, end)));
        t.write(buf, start, end);
      },
      close() { self.live.delete(t); t.close(); },
    };
  }
  // The platform's close() is for the client's own closes and reports nothing back, so tell
  // the client here, as a link that died under it would.
  cut(): void {
    for (const [t, sink] of Array.from(this.live)) {
      t.close();
      setTimeout(() => sink.onClose('cut by the test'), 0);
    }
  }
  now(): number { return this.base.now(); }
  setTimer(ms: number, fn: () => void): unknown { return this.base.setTimer(ms, fn); }
  clearTimer(h: unknown): void { this.base.clearTimer(h); }

  packets(cmd: string, conn?: number): any[] {
    return this.written.filter((w) => w.packet.cmd === cmd && (conn === undefined || w.conn === conn))
      .map((w) => w.packet);
  }
}

export interface Received { topic: string; payload: string; bytes?: Buffer; qos: number; retain: boolean; dup: boolean }

// Our client, with every callback recorded so a test can wait for and assert on them.
export class Probe {
  client: MqttClient;
  platform: RecordingPlatform;
  connects: Array<{ sessionPresent: boolean; at: number }> = [];
  errors: Array<{ code: string; message: string; at: number }> = [];
  closes: number[] = [];
  messages: Received[] = [];
  published: number[] = [];
  handled = new Map<string, Received[]>();   // per-filter handler deliveries

  constructor(options: Omit<ClientOptions, 'platform'>, tls?: { ca?: string }) {
    this.platform = new RecordingPlatform(createNodePlatform(tls));
    this.client = new MqttClient(Object.assign({ reconnect: { min: 50, max: 1000, jitter: 0 } }, options,
      { platform: this.platform }));
    this.client.onConnect = (sp) => { this.connects.push({ sessionPresent: sp, at: Date.now() }); };
    this.client.onError = (e: MqttError) => { this.errors.push({ code: e.code, message: e.message, at: Date.now() }); };
    this.client.onClose = () => { this.closes.push(Date.now()); };
    this.client.onMessage = (topic, payload, info) => {
      const bytes = Buffer.from(payload);   // the client's payload view is only valid during the call
      this.messages.push({ topic, payload: bytes.toString('utf8'), bytes, qos: info.qos, retain: info.retain, dup: info.dup });
    };
    this.client.onPublished = (id) => { this.published.push(id); };
  }

  connect(): this { this.client.connect(); return this; }
  async connected(n = 1, ms = 5000): Promise<void> {
    await waitFor(() => this.connects.length >= n, ms, 'connection #' + n + ' (errors: ' + JSON.stringify(this.errors) + ')');
  }
  // The client API has no SUBACK callback; a message the client publishes after subscribing
  // reaches the broker after the SUBSCRIBE, so its echo shows the subscription is in place.
  async subscribed(filter: string, echoTopic: string, qos: 0 | 1 = 1, withHandler = false): Promise<void> {
    if (withHandler) {
      const list: Received[] = [];
      this.handled.set(filter, list);
      this.client.subscribe(filter, qos, (topic, payload, info) => {
        list.push({ topic, payload: Buffer.from(payload).toString('utf8'), qos: info.qos, retain: info.retain, dup: info.dup });
      });
    } else {
      this.client.subscribe(filter, qos);
    }
    const r = this.client.publish(echoTopic, 'echo', 1);
    if (r !== 'sent' && r !== 'queued') throw new Error('echo publish failed: ' + r);
    const seen = () => this.messages.concat(...this.handled.values()).some((m) => m.topic === echoTopic);
    await waitFor(seen, 5000, 'echo on ' + echoTopic);
  }
  end(): void { try { this.client.end(); } catch { /* already ended */ } }
}

// MQTT.js on a direct connection to the broker: sees what the broker really delivers.
export class Observer {
  client: mqtt.MqttClient;
  messages: Received[] = [];
  constructor(url: string, opts: mqtt.IClientOptions = {}) {
    this.client = mqtt.connect(url, Object.assign({ protocolVersion: 4, reconnectPeriod: 100, connectTimeout: 5000 } as mqtt.IClientOptions, opts));
    this.client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain, dup: packet.dup });
    });
    this.client.on('error', () => { /* reconnects; tests assert on messages */ });
  }
  async ready(ms = 5000): Promise<this> {
    await waitFor(() => this.client.connected, ms, 'observer connection');
    return this;
  }
  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<void> {
    await this.client.subscribeAsync(filter, { qos });
  }
  async publish(topic: string, payload: string, qos: 0 | 1 = 1, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos, retain });
  }
  on(topic: string): Received[] { return this.messages.filter((m) => m.topic === topic); }
  async close(): Promise<void> { await this.client.endAsync(true); }
}
