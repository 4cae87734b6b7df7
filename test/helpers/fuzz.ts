// Fuzzing both clients through their public API over the scripted platforms: generated broker
// byte streams (random bytes, valid packets, valid packets mutated) fed after a valid CONNACK in
// any chunking, interleaved with application calls and time steps. One client per campaign is
// reused across inputs, so state or memory that grows with input shows up. What must hold:
// nothing throws out of the client, every error it reports is an MqttError with a code from
// src/errors.ts, every publish/subscribe answer is 'sent', 'queued' or such a code, what it writes
// is whole MQTT packets, and it keeps only a bounded number of timers.
// Used by scripts/fuzz.ts (`npm run fuzz`, ≥ 10⁶ inputs per client) and test/fuzz.test.ts (a slice).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { MqttClient } from '../../src/client.js';
import { LiteClient } from '../../src/lite/client.js';
import { MqttError } from '../../src/errors.js';
import { ScriptedPlatform, splitPackets as splitCore } from './scripted-platform.js';
import { ScriptedLitePlatform, splitPackets as splitLite } from './scripted-lite-platform.js';

/** The codes src/errors.ts declares, read from its source so a new code needs no edit here. */
export function knownCodes(): Set<string> {
  const src = readFileSync('src/errors.ts', 'utf8');
  const codes = new Set<string>();
  for (const m of src.matchAll(/\|\s*'([A-Z_]+)'/g)) codes.add(m[1]);
  return codes;
}

// ---- generated inputs ---------------------------------------------------------------------

export type Step =
  | { k: 'bytes'; b: number[] }                     // a chunk from the broker
  | { k: 'time'; ms: number }                        // the clock moves (keepalive, timeouts, reconnect)
  | { k: 'pub'; topic: string; payload: string; qos: 0 | 1; retain: boolean }
  | { k: 'sub'; filter: string; qos: 0 | 1 }
  | { k: 'unsub'; filter: string };

function frame(first: number, body: number[]): number[] {
  const out = [first];
  let n = body.length;
  do { let d = n & 127; n >>>= 7; if (n > 0) d |= 128; out.push(d); } while (n > 0);
  return out.concat(body);
}
const u16 = (n: number) => [(n >> 8) & 255, n & 255];

// Topics from a small alphabet (so filters match), with '/', UTF-8, and now and then a wildcard
// or NUL the client must reject.
const topicChar = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('a', 'b', '/', 'é', 'z') },
  { weight: 1, arbitrary: fc.constantFrom('+', '#', '\u0000') });
const topicStr = fc.array(topicChar, { minLength: 0, maxLength: 8 }).map((a) => a.join(''));
const utf8 = (s: string) => Array.from(Buffer.from(s, 'utf8'));
const id = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 65535 }));
const bytes = (max: number, min = 0) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: min, maxLength: max });
// payloads: mostly small, one in six larger than the drivers' 256-byte receive buffer
const payload = fc.oneof({ weight: 5, arbitrary: bytes(24) }, { weight: 1, arbitrary: bytes(400, 250) });

// Packets a broker may send, valid as MQTT 3.1.1 framing (some invalid for a client: QoS 2,
// a second CONNACK, packet types only a server receives) — the client must cope with all.
const packet: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: topicStr, qos: fc.integer({ min: 0, max: 2 }), retain: fc.boolean(), dup: fc.boolean(),
    id, payload })
    .map((p) => frame(0x30 | (p.dup && p.qos > 0 ? 8 : 0) | (p.qos << 1) | (p.retain ? 1 : 0),
      u16(utf8(p.t).length).concat(utf8(p.t), p.qos > 0 ? u16(p.id) : [], p.payload))) },
  { weight: 2, arbitrary: id.map((i) => frame(0x40, u16(i))) },                                   // PUBACK
  { weight: 1, arbitrary: fc.tuple(id, fc.constantFrom(0, 1, 2, 0x80, 3)).map(([i, c]) => frame(0x90, u16(i).concat([c]))) }, // SUBACK
  { weight: 1, arbitrary: id.map((i) => frame(0xb0, u16(i))) },                                   // UNSUBACK
  { weight: 1, arbitrary: fc.constant(frame(0xd0, [])) },                                         // PINGRESP
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 6 })).map(([sp, rc]) => frame(0x20, [sp, rc])) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), bytes(6))
    .map(([type, flags, body]) => frame((type << 4) | flags, body)) },                            // any type, any flags
);

// Well-formed deliveries a client must accept: valid topics, QoS 0/1, some over the receive buffer.
const cleanTopic = fc.array(fc.constantFrom('a', 'b', '/', 'é'), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const delivery: fc.Arbitrary<number[]> = fc.record({ t: cleanTopic, qos: fc.integer({ min: 0, max: 1 }), retain: fc.boolean(),
  dup: fc.boolean(), id: fc.integer({ min: 1, max: 65535 }), payload })
  .map((p) => frame(0x30 | (p.dup && p.qos > 0 ? 8 : 0) | (p.qos << 1) | (p.retain ? 1 : 0),
    u16(utf8(p.t).length).concat(utf8(p.t), p.qos > 0 ? u16(p.id) : [], p.payload)));

type Mutation = { op: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; at: number; v: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'), at: fc.double({ min: 0, max: 1, noNaN: true }),
  v: fc.integer({ min: 0, max: 255 }),
}) as fc.Arbitrary<Mutation>;

function mutate(b: number[], ms: Mutation[]): number[] {
  const out = b.slice();
  for (const m of ms) {
    const i = Math.min(out.length, Math.floor(m.at * out.length));
    if (m.op === 'flip' && i < out.length) out[i] ^= 1 << (m.v & 7);
    else if (m.op === 'set' && i < out.length) out[i] = m.v;
    else if (m.op === 'insert') out.splice(i, 0, m.v);
    else if (m.op === 'delete') out.splice(i, 1);
    else if (m.op === 'truncate') out.length = i;
  }
  return out;
}

// The broker's bytes: random, valid packets, or valid packets mutated.
const stream: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 2, arbitrary: bytes(120) },
  { weight: 2, arbitrary: fc.array(packet, { maxLength: 12 }).map((ps) => ([] as number[]).concat(...ps)) },
  { weight: 2, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: delivery }, { weight: 1, arbitrary: packet }), { maxLength: 12 })
    .map((ps) => ([] as number[]).concat(...ps)) },
  { weight: 4, arbitrary: fc.tuple(fc.array(packet, { minLength: 1, maxLength: 12 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([ps, ms]) => mutate(([] as number[]).concat(...ps), ms)) },
);

// Cut the stream anywhere: chunk sizes of 1 byte up to all of it.
function chunks(b: number[], sizes: number[]): number[][] {
  const out: number[][] = [];
  let i = 0, k = 0;
  while (i < b.length) {
    const n = sizes.length ? Math.max(1, sizes[k++ % sizes.length]) : b.length;
    out.push(b.slice(i, i + n));
    i += n;
  }
  return out;
}

// Filters from a fixed set (some invalid), so the client's subscription list stays bounded: a
// campaign that subscribed to ever new filters would measure the list, not the client.
const filter = fc.constantFrom('a/#', 'a/+', '+/b', '#', 'a/b', 'é/+', 'b', '+', 'a/#/b', 'a+', '', 'a\u0000');

const action: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('pub' as const), topic: topicStr, payload: fc.string({ maxLength: 40 }),
    qos: fc.constantFrom(0 as const, 1 as const), retain: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('sub' as const), filter: filter, qos: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('unsub' as const), filter: filter }) },
  { weight: 2, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 70000 }) })
    .map((ms) => ({ k: 'time' as const, ms })) },
);

/** One fuzz input: the broker's stream, cut into chunks, with application calls and time between them. */
export const input: fc.Arbitrary<Step[]> = fc.tuple(stream, fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
  fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), action), { maxLength: 4 }))
  .map(([b, sizes, acts]) => {
    const steps: Step[] = chunks(b, sizes).map((c) => ({ k: 'bytes' as const, b: c }));
    for (const [at, a] of acts) steps.splice(Math.floor(at * (steps.length + 1)), 0, a);
    return steps;
  });

// ---- the drivers: one client kept across inputs --------------------------------------------

export interface FuzzStats { inputs: number; bytes: number; messages: number; errors: Record<string, number>; links: number; restarts: number }

const RESULTS = new Set(['sent', 'queued']);
const MAX_TIMERS = 8;

/** What a driver needs of either scripted platform and its links (both have it as it is). */
interface FuzzLink { readonly isOpen: boolean; open(): void; feed(bytes: number[]): void }
interface FuzzNet { links: FuzzLink[]; time: number; readonly pendingTimers: number; last(): FuzzLink; runUntil(cond: () => boolean, maxMs: number): number }

abstract class Driver {
  readonly stats: FuzzStats = { inputs: 0, bytes: 0, messages: 0, errors: {}, links: 0, restarts: 0 };
  protected problem = '';
  private served: FuzzLink | null = null;
  constructor(readonly codes: Set<string>) {}

  /** The client's scripted platform (a new one after make()). */
  protected abstract net(): FuzzNet;
  protected abstract connected(): boolean;
  /** A fresh platform and client, connecting. */
  protected abstract make(): void;
  /** After waiting for a new link, before the input runs (MqttClient: zero-delay timers fire). */
  protected settle(): void {}

  // The broker is always there: every link the client asks for is opened and gets CONNACK 0,
  // also when the client reconnects in the middle of a time step.
  private serve(): void {
    const p = this.net(), l = p.links.length ? p.last() : null;
    if (l === null || l === this.served || !l.isOpen) return;
    this.served = l;
    this.stats.links++;
    l.open();
    l.feed([0x20, 2, 0, 0]);
  }
  private online(): void {
    // the scripted platform keeps every link; only the live one matters
    const p = this.net();
    p.links.splice(0, p.links.length - 1);
    this.serve();
    if (this.connected()) return;
    const before = p.last();
    if (p.runUntil(() => p.last() !== before, 120000) < 0) {
      // stopped for good (a refusal the stream cannot cause, but be safe): start a fresh client
      this.stats.restarts++;
      this.make();
    }
    this.serve();
    this.settle();
  }
  private feed(b: number[]): void {
    const l = this.net().last();
    if (l === this.served && l.isOpen) l.feed(b);
  }
  private advance(ms: number): void {
    const p = this.net(), end = p.time + ms;
    for (;;) {
      const before = p.last();
      if (p.runUntil(() => p.last() !== before, end - p.time) < 0) return;
      this.serve();
    }
  }

  protected onError(e: unknown): void {
    if (!(e instanceof MqttError)) this.fail('onError got something that is not an MqttError: ' + String(e));
    else if (!this.codes.has(e.code)) this.fail('onError got unknown code ' + e.code);
    else this.stats.errors[e.code] = (this.stats.errors[e.code] ?? 0) + 1;
  }
  protected answer(what: string, r: unknown): void {
    if (typeof r !== 'string' || !(RESULTS.has(r) || this.codes.has(r))) this.fail(what + ' answered ' + String(r));
  }
  protected fail(why: string): void { if (!this.problem) this.problem = why; }

  /** Runs one input; returns '' or what went wrong. */
  run(steps: Step[]): string {
    this.problem = '';
    this.stats.inputs++;
    try {
      this.online();
      for (const s of steps) {
        if (s.k === 'bytes') { this.stats.bytes += s.b.length; this.feed(s.b); }
        else if (s.k === 'time') this.advance(s.ms);
        else if (s.k === 'pub') this.answer('publish', this.publish(s.topic, s.payload, s.qos, s.retain));
        else if (s.k === 'sub') this.answer('subscribe', this.subscribe(s.filter, s.qos));
        else this.answer('unsubscribe', this.unsubscribe(s.filter));
        if (this.problem) break;
      }
      this.advance(0);
      this.checkWrites();
      const timers = this.net().pendingTimers;
      if (timers > MAX_TIMERS) this.fail(timers + ' timers pending');
    } catch (e) {
      this.fail('threw: ' + (e instanceof Error ? e.stack : String(e)));
    }
    return this.problem;
  }

  protected abstract publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): unknown;
  protected abstract subscribe(filter: string, qos: 0 | 1): unknown;
  protected abstract unsubscribe(filter: string): unknown;
  protected abstract checkWrites(): void;
}

export class CoreDriver extends Driver {
  private p!: ScriptedPlatform;
  private c!: MqttClient;
  constructor(codes: Set<string>) { super(codes); this.make(); }

  protected make(): void {
    this.p = new ScriptedPlatform();
    this.c = new MqttClient({ url: 'mqtt://broker.test', clientId: 'fuzz', keepalive: 20, receiveBufferSize: 256,
      transmitBufferSize: 256, outboxSize: 2048, maxInflight: 4, reconnect: { min: 10, max: 200, jitter: 0 }, platform: this.p });
    this.c.onError = (e) => this.onError(e);
    this.c.onMessage = () => { this.stats.messages++; };
    this.c.subscribe('a/#', 1, () => { this.stats.messages++; });
    this.c.connect();
  }
  protected net(): ScriptedPlatform { return this.p; }
  protected connected(): boolean { return this.c.connected; }
  protected override settle(): void { this.p.advance(0); }
  protected publish(t: string, pl: string, q: 0 | 1, r: boolean): unknown { return this.c.publish(t, pl, q, r); }
  protected subscribe(f: string, q: 0 | 1): unknown { return this.c.subscribe(f, q); }
  protected unsubscribe(f: string): unknown { return this.c.unsubscribe(f); }
  protected checkWrites(): void {
    for (const l of this.p.links) {
      try { splitCore(l.take()); } catch (e) { this.fail('wrote a partial packet: ' + (e as Error).message); }
    }
  }
}

export class LiteDriver extends Driver {
  private p!: ScriptedLitePlatform;
  private c!: LiteClient;
  constructor(codes: Set<string>) { super(codes); this.make(); }

  protected make(): void {
    this.p = new ScriptedLitePlatform();
    this.c = new LiteClient({ url: 'mqtt://broker.test', clientId: 'fuzz', keepalive: 20, receiveBufferSize: 256,
      transmitBufferSize: 256, outboxSize: 2048, maxInflight: 4, platform: this.p });
    this.c.onError = (e) => this.onError(e);
    this.c.onMessage = () => { this.stats.messages++; };
    this.c.subscribe('a/#', 1);
    this.c.connect();
  }
  protected net(): ScriptedLitePlatform { return this.p; }
  protected connected(): boolean { return this.c.connected; }
  // LiteClient speaks byte strings: non-ASCII text is the caller's to encode
  protected publish(t: string, pl: string, q: 0 | 1, r: boolean): unknown {
    return this.c.publish(Buffer.from(t, 'utf8').toString('latin1'), Buffer.from(pl, 'utf8').toString('latin1'), q, r);
  }
  protected subscribe(f: string, q: 0 | 1): unknown { return this.c.subscribe(Buffer.from(f, 'utf8').toString('latin1'), q); }
  protected unsubscribe(f: string): unknown { return this.c.unsubscribe(Buffer.from(f, 'utf8').toString('latin1')); }
  protected checkWrites(): void {
    for (const l of this.p.links) {
      try { splitLite(l.take()); } catch (e) { this.fail('wrote a partial packet: ' + (e as Error).message); }
      // the scripted link also keeps every write ever made (allWritten); a fuzz campaign must not
      // grow the harness's memory, only (if it were wrong) the client's
      (l as unknown as { chunks: string[] }).chunks.length = 0;
    }
    if (this.p.lateWrites > 0) this.fail(this.p.lateWrites + ' writes on a closed link');
  }
}

export type DriverKind = 'MqttClient' | 'LiteClient';
export function makeDriver(kind: DriverKind, codes = knownCodes()): Driver {
  return kind === 'MqttClient' ? new CoreDriver(codes) : new LiteDriver(codes);
}
export type { Driver };
