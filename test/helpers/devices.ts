// One driver for both clients, so a scenario is written once and run on MqttClient (the core
// client, Moddable and Node) and LiteClient (Espruino's): the broker matrix and the netns tests
// use it. Each Device wraps its client's Node platform in a recorder that parses
// both directions of every connection with mqtt-packet (an independent codec), so tests can
// check DUP flags, packet ids and what the broker granted without trusting the client.
import mqttPacket from 'mqtt-packet';
import { createNodePlatform } from '../../host-sim/node-platform.js';
import { createNodeLitePlatform } from '../../host-sim/node-lite-platform.js';
import { MqttClient, type Platform, type Transport, type TransportSink } from '../../src/client.js';
import { LiteClient } from '../../src/lite/client.js';
import type { LitePlatform, LiteSink, LiteTransport } from '../../src/lite/types.js';
import { MqttError } from '../../src/errors.js';
import { waitFor } from './wait.js';

export type ClientKind = 'MqttClient' | 'LiteClient';
export const CLIENT_KINDS: ClientKind[] = ['MqttClient', 'LiteClient'];

export interface DeviceOptions {
  url: string;
  clientId: string;
  username?: string; password?: string;
  keepalive?: number;
  /** MqttClient only: LiteClient always asks for a clean session */
  clean?: boolean;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  outboxSize?: number; maxInflight?: number; receiveBufferSize?: number; transmitBufferSize?: number;
  /** MqttClient only (LiteClient's are fixed: 1 s → 60 s backoff, 10 s CONNACK deadline) */
  reconnect?: { min?: number; max?: number; jitter?: number }; connectTimeout?: number;
}

export interface Got { topic: string; payload: string; qos: number; retain: boolean; dup: boolean; at: number }
export interface Seen { conn: number; packet: any; at: number }
export interface Failure { code: string; message: string; at: number; typed: boolean }

// The wire, seen from the device: every connection attempt and every packet both ways. `block`
// makes new connections fail at once (a refused port); cut() kills live links without a
// DISCONNECT, the way a vanished network does.
class Wire {
  attempts: number[] = [];
  out: Seen[] = [];
  in: Seen[] = [];
  lastIn = 0;
  block = false;
  readonly cuts: Array<() => void> = [];

  open(): { conn: number; sent(b: Buffer): void; got(b: Buffer): void } {
    const conn = this.attempts.length;
    this.attempts.push(Date.now());
    const parse = (into: Seen[]) => {
      const p = mqttPacket.parser({ protocolVersion: 4 });
      p.on('packet', (packet: any) => into.push({ conn, packet, at: Date.now() }));
      p.on('error', () => { /* half a packet at a cut: not what the tests look at */ });
      return p;
    };
    const po = parse(this.out), pi = parse(this.in);
    return {
      conn,
      sent: (b) => { po.parse(b); },
      got: (b) => { this.lastIn = Date.now(); pi.parse(b); },
    };
  }
}

class RecordingCorePlatform implements Platform {
  constructor(readonly base: Platform, readonly wire: Wire) {}
  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    const rec = this.wire.open();
    if (this.wire.block) {
      let closed = false;
      setTimeout(() => { if (!closed) sink.onClose('blocked by the test'); }, 1);
      return { write() {}, close() { closed = true; } };
    }
    let live = true;
    const t = this.base.connect(host, port, secure, {
      onOpen: () => sink.onOpen(),
      onData: (c, s, e) => { rec.got(Buffer.from(c.subarray(s, e))); sink.onData(c, s, e); },
      onClose: (r) => { live = false; sink.onClose(r); },
    });
    this.wire.cuts.push(() => {
      if (!live) return;
      live = false;
      t.close();
      setTimeout(() => sink.onClose('cut by the test'), 0);
    });
    return {
      write: (buf, start, end) => { rec.sent(Buffer.from(buf.subarray(start, end))); t.write(buf, start, end); },
      close: () => { live = false; t.close(); },
    };
  }
  now(): number { return this.base.now(); }
  setTimer(ms: number, fn: () => void): unknown { return this.base.setTimer(ms, fn); }
  clearTimer(h: unknown): void { this.base.clearTimer(h); }
}

class RecordingLitePlatform implements LitePlatform {
  constructor(readonly base: LitePlatform, readonly wire: Wire) {}
  connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
    const rec = this.wire.open();
    if (this.wire.block) {
      let closed = false;
      setTimeout(() => { if (!closed) sink.onClose('blocked by the test'); }, 1);
      return { write() {}, end() { closed = true; } };
    }
    let live = true;
    const t = this.base.connect(host, port, secure, {
      onOpen: () => sink.onOpen(),
      onData: (d) => { rec.got(Buffer.from(d, 'latin1')); sink.onData(d); },
      onClose: (r) => { live = false; sink.onClose(r); },
    });
    this.wire.cuts.push(() => {
      if (!live) return;
      live = false;
      t.end();
      setTimeout(() => sink.onClose('cut by the test'), 0);
    });
    return {
      write: (d) => { rec.sent(Buffer.from(d, 'latin1')); t.write(d); },
      end: () => { live = false; t.end(); },
    };
  }
  now(): number { return this.base.now(); }
  setTimer(ms: number, fn: () => void): unknown { return this.base.setTimer(ms, fn); }
  clearTimer(h: unknown): void { this.base.clearTimer(h); }
}

// The common surface of both clients that the scenarios use.
interface AnyClient {
  connected: boolean;
  connect(): void; end(): void;
  publish(topic: string, payload: string, qos?: 0 | 1, retain?: boolean): string;
  subscribe(filter: string, qos?: 0 | 1): string;
  unsubscribe(filter: string): string;
}

export class Device {
  readonly client: AnyClient;
  readonly wire: Wire;
  connects: Array<{ sessionPresent: boolean; at: number }> = [];
  errors: Failure[] = [];
  closes: number[] = [];
  messages: Got[] = [];
  /** MqttClient's onPublished ids (LiteClient has no such callback) */
  published: number[] = [];

  constructor(readonly kind: ClientKind, readonly options: DeviceOptions) {
    this.wire = new Wire();
    const o = options;
    if (kind === 'MqttClient') {
      const c = new MqttClient({
        url: o.url, clientId: o.clientId, username: o.username, password: o.password,
        keepalive: o.keepalive, clean: o.clean, will: o.will, outboxSize: o.outboxSize,
        maxInflight: o.maxInflight, receiveBufferSize: o.receiveBufferSize,
        transmitBufferSize: o.transmitBufferSize, reconnect: o.reconnect, connectTimeout: o.connectTimeout,
        platform: new RecordingCorePlatform(createNodePlatform(), this.wire),
      });
      c.onConnect = (sp) => this.connects.push({ sessionPresent: sp, at: Date.now() });
      c.onError = (e) => this.failed(e);
      c.onClose = () => this.closes.push(Date.now());
      c.onPublished = (id) => this.published.push(id);
      c.onMessage = (topic, payload, info) => this.got(topic, Buffer.from(payload).toString('utf8'), info);
      this.client = c as unknown as AnyClient;
    } else {
      const c = new LiteClient({
        url: o.url, clientId: o.clientId, username: o.username, password: o.password,
        keepalive: o.keepalive, will: o.will, outboxSize: o.outboxSize, maxInflight: o.maxInflight,
        receiveBufferSize: o.receiveBufferSize, transmitBufferSize: o.transmitBufferSize,
        platform: new RecordingLitePlatform(createNodeLitePlatform(), this.wire),
      });
      c.onConnect = (sp) => this.connects.push({ sessionPresent: sp, at: Date.now() });
      c.onError = (e) => this.failed(e);
      c.onClose = () => this.closes.push(Date.now());
      // byte strings: ASCII payloads read the same either way
      c.onMessage = (topic, payload, info) => this.got(topic, payload, info);
      this.client = c as unknown as AnyClient;
    }
  }

  private failed(e: unknown): void {
    const typed = e instanceof MqttError;
    const m = e as { code?: string; message?: string };
    this.errors.push({ code: String(m.code), message: String(m.message), at: Date.now(), typed });
  }
  private got(topic: string, payload: string, info: { qos: number; retain: boolean; dup: boolean }): void {
    this.messages.push({ topic, payload, qos: info.qos, retain: info.retain, dup: info.dup, at: Date.now() });
  }

  connect(): this { this.client.connect(); return this; }
  end(): void { try { this.client.end(); } catch { /* already ended */ } }
  get connected(): boolean { return this.client.connected; }
  publish(topic: string, payload: string, qos: 0 | 1, retain = false): string {
    return this.client.publish(topic, payload, qos, retain);
  }
  subscribe(filter: string, qos: 0 | 1): string { return this.client.subscribe(filter, qos); }

  async waitConnected(n = 1, ms = 8000): Promise<void> {
    await waitFor(() => this.connects.length >= n, ms,
      this.kind + ' connection #' + n + ' (errors: ' + JSON.stringify(this.errors.slice(-3)) + ')');
  }
  /** No SUBACK callback on either client: a QoS 1 echo written after the SUBSCRIBE coming back proves it. */
  async echo(topic: string, ms = 8000): Promise<void> {
    const r = this.publish(topic, 'echo', 1);
    if (r !== 'sent' && r !== 'queued') throw new Error(this.kind + ' echo publish failed: ' + r);
    await waitFor(() => this.messages.some((m) => m.topic === topic), ms, this.kind + ' echo on ' + topic);
  }
  /** Kill every live link now, without DISCONNECT. */
  cut(): void { for (const c of this.wire.cuts.splice(0)) c(); }

  /** Packets of one type, written by the client ('out') or read by it ('in'), optionally on one connection. */
  packets(cmd: string, dir: 'out' | 'in' = 'out', conn?: number): any[] {
    return (dir === 'out' ? this.wire.out : this.wire.in)
      .filter((s) => s.packet.cmd === cmd && (conn === undefined || s.conn === conn)).map((s) => s.packet);
  }
}

export interface ResendCheck { writes: number; dupWrites: number; bad: string[] }

/**
 * What MQTT 3.1.1 asks of a QoS 1 sender, checked on the recorded wire: the first write of a
 * message has DUP clear; a message is written again only on a new connection, with DUP set and
 * the same packet id. Messages are told apart by payload (the tests make each one unique).
 */
export function checkResends(d: Device, topic: string): ResendCheck {
  return checkResendWrites(d.wire.out, (pk) => pk.topic === topic && pk.qos === 1);
}

/** The same check over any record of written packets; `mine` picks the PUBLISHes to check. */
export function checkResendWrites(out: Array<{ conn: number; packet: any }>, mine: (publish: any) => boolean): ResendCheck {
  const first = new Map<string, { id: number; conn: number }>();
  let writes = 0, dupWrites = 0;
  const bad: string[] = [];
  for (const s of out) {
    const pk = s.packet;
    if (pk.cmd !== 'publish' || !mine(pk)) continue;
    writes++;
    const key = pk.payload.toString('latin1');
    const f = first.get(key);
    if (!f) {
      first.set(key, { id: pk.messageId, conn: s.conn });
      if (pk.dup) bad.push(key + ': DUP on the first write');
      continue;
    }
    dupWrites++;
    if (!pk.dup) bad.push(key + ': written again without DUP');
    if (pk.messageId !== f.id) bad.push(key + ': resent with id ' + pk.messageId + ', first ' + f.id);
    if (s.conn === f.conn) bad.push(key + ': written twice on one connection');
    f.conn = s.conn;
  }
  return { writes, dupWrites, bad };
}
